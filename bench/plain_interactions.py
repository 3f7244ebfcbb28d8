"""The plain-library way of doing what the interactions build does, for `bench/interactions_logs.py`:
one script with pandas, numpy, scipy, implicit and LightGBM and nothing of ours, run on the same
parquet log, the same split rule and the same models and grid.

    python bench/plain_interactions.py <folder with interactions.parquet>

Per-user temporal split (ties in time in file order: a stable sort), last 20% of each user test and
of the rest 20% validation; popularity, recency-decayed popularity and the Bayesian average
(when there are ratings); item kNN (cosine, 200 neighbours) and EASE (4 lambdas) each with the 4
profile decays; ALS (2 settings) and BPR (1); settings chosen on validation NDCG@10, the chosen
ones refitted on train and listed for the test users and on everything for every user (serve);
a LightGBM LambdaRank over the top 30 of kNN, EASE and ALS, cross-fitted over two halves of the
validation users and fitted on all of them for test. Prints one JSON line: the best model's test
NDCG@10 and each model's.
"""

from __future__ import annotations

import json
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking

K, N, FRACTION = 10, 30, 0.2
LAMBDAS, TAUS = [250, 500, 1000, 2000], [0, 5, 10, 25]
ALS = [{"factors": 64, "regularization": 0.05, "alpha": 1.0}, {"factors": 64, "regularization": 0.05, "alpha": 10.0}]


def split(log: pd.DataFrame) -> pd.DataFrame:
    log = log.sort_values(["user_id", "event_at"], kind="mergesort")
    n = log.groupby("user_id")["item_id"].transform("size").to_numpy()
    seq = log.groupby("user_id").cumcount().to_numpy() + 1
    n_test = np.minimum(np.maximum(1, np.floor(FRACTION * n + 0.5)), n - 1)
    n_train = n - n_test
    n_val = np.minimum(np.maximum(1, np.floor(FRACTION * n_train + 0.5)), n_train - 1)
    log = log.assign(
        split=np.where(seq > n - n_test, "test", np.where(seq > n_train - n_val, "validation", "fit")),
        recency=log.groupby("user_id").cumcount(ascending=False).to_numpy(),
    )
    return log


class Fold:
    def __init__(self, history: pd.DataFrame, targets: pd.DataFrame, users: pd.Index, items: pd.Index):
        self.users, self.items = users, items
        u, i = users.get_indexer(history["user_id"]), items.get_indexer(history["item_id"])
        pairs = pd.DataFrame({"u": u, "i": i, "r": history.groupby("user_id").cumcount(ascending=False).to_numpy()})
        pairs = pairs.groupby(["u", "i"], as_index=False).agg(c=("r", "size"), r=("r", "min"))
        pairs["r"] = pairs.sort_values(["u", "r"]).groupby("u").cumcount()
        shape = (len(users), len(items))
        self.x = sp.csr_matrix(((1 + np.log(pairs["c"])).astype(np.float32), (pairs["u"], pairs["i"])), shape=shape)
        self.rank = sp.csr_matrix((pairs["r"].astype(np.float32) + 1, (pairs["u"], pairs["i"])), shape=shape)
        t = targets[
            ~targets.set_index(["user_id", "item_id"]).index.isin(history.set_index(["user_id", "item_id"]).index)
        ]
        self.target_users = np.unique(users.get_indexer(t["user_id"]))
        self.targets = set(zip(users.get_indexer(t["user_id"]), items.get_indexer(t["item_id"]), strict=True))

    def profile(self, tau: float) -> sp.csr_matrix:
        if tau == 0:
            return self.x
        p = self.x.copy()
        p.data = p.data * np.exp(-(self.rank.data - 1) / tau)
        return p


def top(scores: np.ndarray, seen: sp.csr_matrix, n: int) -> np.ndarray:
    scores = scores.copy()
    r, c = seen.nonzero()
    scores[r, c] = -np.inf
    part = np.argpartition(-scores, n, axis=1)[:, :n]
    order = np.argsort(-np.take_along_axis(scores, part, 1), axis=1, kind="stable")
    return np.take_along_axis(part, order, 1)


def ndcg(fold: Fold, users: np.ndarray, lists) -> float:
    """Mean NDCG@K over `users` (rows of `lists`, best first; -1 = no item)."""
    discounts = 1 / np.log2(np.arange(2, K + 2))
    relevant = pd.Series([u for u, _ in fold.targets]).value_counts()
    per_user = []
    for u, row in zip(users, lists, strict=True):
        hits = np.array([(u, i) in fold.targets for i in row[:K]], dtype=float)
        norm = discounts[: min(int(relevant.get(u, 0)), K)].sum()
        per_user.append(float((hits * discounts[: hits.size]).sum()) / norm if norm else 0.0)
    return float(np.mean(per_user)) if per_user else 0.0


def model_scores(model: str, fold: Fold, params: dict, users: np.ndarray, fitted=None):
    x = fold.x
    if model == "itemknn":
        if fitted is None:
            norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0))).ravel() + 1e-9
            sim = (x.T @ x).toarray() / norms[:, None] / norms[None, :]
            np.fill_diagonal(sim, 0)
            cut = np.argpartition(-sim, min(200, sim.shape[0] - 1), axis=0)[200:] if sim.shape[0] > 200 else None
            if cut is not None:
                np.put_along_axis(sim, cut, 0, axis=0)
            fitted = sim
        return np.asarray(fold.profile(params["tau"])[users] @ fitted), fitted
    if model == "ease":
        if fitted is None:
            g = (x.T @ x).toarray().astype(np.float64)
            g[np.diag_indices_from(g)] += params["lambda"]
            p = np.linalg.inv(g)
            fitted = -p / np.diag(p)
            np.fill_diagonal(fitted, 0)
        return np.asarray(fold.profile(params["tau"])[users] @ fitted), fitted
    if model in ("als", "bpr"):
        if fitted is None:
            fitted = (
                AlternatingLeastSquares(**params, iterations=15, random_state=0)
                if model == "als"
                else BayesianPersonalizedRanking(
                    factors=64, learning_rate=0.01, regularization=0.01, iterations=50, random_state=0, num_threads=1
                )
            )
            fitted.fit(x, show_progress=False)
        return fitted.user_factors[users] @ fitted.item_factors.T, fitted
    raise ValueError(model)


def main() -> None:
    folder = sys.argv[1]
    log = pd.read_parquet(f"{folder}/interactions.parquet")
    log["user_id"], log["item_id"] = log["user_id"].astype(str), log["item_id"].astype(str)
    log = split(log)
    users = pd.Index(np.sort(log["user_id"].unique()))
    items = pd.Index(np.sort(log["item_id"].unique()))
    folds = {
        "validation": Fold(log[log["split"] == "fit"], log[log["split"] == "validation"], users, items),
        "test": Fold(log[log["split"] != "test"], log[log["split"] == "test"], users, items),
        "serve": Fold(log, log.iloc[:0], users, items),
    }
    ratings = log["rating"].notna().any()
    results, chosen, lists = {}, {}, {}
    for name in ("validation", "test"):
        fold = folds[name]
        history = log[log["split"] == "fit"] if name == "validation" else log[log["split"] != "test"]
        counts = history.groupby("item_id").size().reindex(items, fill_value=0).to_numpy(dtype=float)
        age = (history["event_at"].max() - history["event_at"]).dt.total_seconds() / 86400
        decayed = (
            history.assign(w=np.power(0.5, age / 30)).groupby("item_id")["w"].sum().reindex(items, fill_value=0)
        ).to_numpy()
        baselines = {"popularity": counts, "recency_popularity": decayed}
        if ratings:
            stats = history.groupby("item_id")["rating"].agg(["mean", "count"]).reindex(items)
            c = history["rating"].mean()
            baselines["bayes_average"] = (
                ((stats["count"] * stats["mean"] + 10 * c) / (stats["count"] + 10)).fillna(0).to_numpy()
            )
        for model, score in baselines.items():
            lists[(name, model)] = top(np.tile(score, (len(fold.target_users), 1)), fold.x[fold.target_users], K)
            results[(name, model)] = ndcg(fold, fold.target_users, lists[(name, model)])
    for model, grid in [
        ("itemknn", [{"tau": t} for t in TAUS]),
        ("ease", [{"lambda": lam, "tau": t} for lam in LAMBDAS for t in TAUS]),
        ("als", ALS),
        ("bpr", [{}]),
    ]:
        fold, best, fits = folds["validation"], None, {}
        for params in grid:
            key = json.dumps({k: v for k, v in params.items() if k != "tau"})
            scores, fits[key] = model_scores(model, fold, params, fold.target_users, fits.get(key))
            value = ndcg(fold, fold.target_users, top(scores, fold.x[fold.target_users], K))
            if best is None or value > best[1]:
                best = (params, value, scores)
        chosen[model] = best[0]
        results[("validation", model)] = best[1]
        lists[("validation", model)] = top(best[2], folds["validation"].x[fold.target_users], N)
        for name in ("test", "serve"):
            f = folds[name]
            who = f.target_users if name == "test" else np.arange(len(users))
            fitted = None
            for start in range(0, len(who), 2048):
                chunk = who[start : start + 2048]
                scores, fitted = model_scores(model, f, best[0], chunk, fitted)
                lists.setdefault((name, model), []).append(top(scores, f.x[chunk], N))
            lists[(name, model)] = np.vstack(lists[(name, model)])
            if name == "test":
                results[("test", model)] = ndcg(f, who, lists[(name, model)])
    # the second stage: LambdaRank over the pooled candidates of kNN, EASE and ALS
    frames = {}
    for name in ("validation", "test"):
        f = folds[name]
        pieces = []
        for model in ("itemknn", "ease", "als"):
            ranked = lists[(name, model)][:, :N]
            pieces.append(
                pd.DataFrame(
                    {"u": np.repeat(f.target_users, ranked.shape[1]), "i": ranked.ravel(),
                     f"{model}_rank": np.tile(np.arange(1, ranked.shape[1] + 1), len(f.target_users))}
                )
            )  # fmt: skip
        pool = pieces[0]
        for piece in pieces[1:]:
            pool = pool.merge(piece, on=["u", "i"], how="outer")
        pool["popularity"] = np.asarray(f.x.sum(axis=0)).ravel()[pool["i"]]
        pool["history"] = np.diff(f.x.indptr)[pool["u"]]
        pool["label"] = [int((u, i) in f.targets) for u, i in zip(pool["u"], pool["i"], strict=True)]
        frames[name] = pool.sort_values(["u", "i"]).reset_index(drop=True)
    features = ["itemknn_rank", "ease_rank", "als_rank", "popularity", "history"]
    params = {
        "objective": "lambdarank", "n_estimators": 100, "learning_rate": 0.1, "num_leaves": 7,
        "min_child_samples": 50, "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8,
        "reg_lambda": 1.0, "random_state": 0, "verbose": -1,
    }  # fmt: skip
    train = frames["validation"]
    half = (train["u"] % 2).to_numpy()

    def fit(rows):
        return lgb.LGBMRanker(**params).fit(rows[features], rows["label"], group=rows.groupby("u").size().to_numpy())

    for h in (0, 1):
        fit(train[half == h])
    ranker = fit(train)
    test = frames["test"].assign(score=ranker.predict(frames["test"][features]))
    test = test.sort_values(["u", "score"], ascending=[True, False])
    ranked = [g["i"].to_numpy()[:K] for _, g in test.groupby("u", sort=True)]
    results[("test", "two_stage")] = ndcg(folds["test"], np.unique(test["u"]), ranked)
    tested = {m: v for (fold, m), v in results.items() if fold == "test"}
    best = max(tested, key=tested.get)
    print(json.dumps({"best": best, "ndcg": tested[best], "test": tested}))


if __name__ == "__main__":
    main()
