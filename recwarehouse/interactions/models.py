"""Recommenders for bring-your-own interaction logs: popularity baselines, item-item cosine kNN,
EASE, and a LightGBM LambdaRank second stage over their candidates.

Every model scores items for a user from the user's *history* in a fold (see
``int_interaction_folds_assembled``): the seen-item filter is that history, never the target rows.
Items are indexed in sorted item-id order and every top-N uses a stable sort on the score, so ties
go to the smaller item id and the same data give the same lists.

EASE (Steck, 2019): B = I - P / diag(P) with P = (X'X + lambda I)^-1, diag(B) = 0; scores = x_u B.
Item kNN: cosine similarities S = X'X / (|x_i| |x_j|), diag 0; scores = x_u S. Both fit on the
binary user x item matrix X; when scoring, a user's history row may be recency-weighted: the r-th
most recent interaction weighs exp(-r / tau) (tau = 0 means no decay). Temporal splits reward this:
what a user did last says most about what they do next. lambda and tau are chosen on the
validation fold (the inner split of train), never on the test rows.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from recwarehouse.boosting import lightgbm_ranker
from recwarehouse.hashing import frame_fingerprint, seeded_halves, text_fingerprint
from recwarehouse.metrics import per_user_metrics

BASELINES = ("popularity", "bayes_average", "recency_popularity")
CF_MODELS = ("itemknn", "ease", "ease_no_decay")


@dataclass
class Fold:
    """One fold's history as index arrays over sorted user and item ids."""

    users: np.ndarray  # sorted user ids with history
    items: np.ndarray  # sorted item ids with history
    u: np.ndarray  # history rows: user index
    i: np.ndarray  # history rows: item index
    recency_rank: np.ndarray  # 0 = the user's latest interaction

    @classmethod
    def from_history(cls, history: pd.DataFrame) -> Fold:
        users = np.sort(history["user_id"].astype(str).unique())
        items = np.sort(history["item_id"].astype(str).unique())
        u = np.searchsorted(users, history["user_id"].astype(str).to_numpy())
        i = np.searchsorted(items, history["item_id"].astype(str).to_numpy())
        return cls(users, items, u, i, history["recency_rank"].to_numpy(dtype=float))

    def binary(self) -> np.ndarray:
        x = np.zeros((len(self.users), len(self.items)))
        x[self.u, self.i] = 1.0
        return x

    def profile(self, tau: float) -> np.ndarray:
        """Users' history rows, the r-th most recent interaction weighted exp(-r / tau) (tau 0: 1).
        A repeated item keeps its most recent weight."""
        x = np.zeros((len(self.users), len(self.items)))
        w = np.ones(self.u.size) if tau == 0 else np.exp(-self.recency_rank / tau)
        np.maximum.at(x, (self.u, self.i), w)
        return x


def ease_weights(x: np.ndarray, lam: float) -> np.ndarray:
    """EASE's item-item matrix B (closed form), diag(B) = 0."""
    if lam <= 0:
        raise ValueError(f"EASE lambda must be > 0, got {lam}")
    gram = x.T @ x
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = p / (-np.diag(p))
    b[np.diag_indices_from(b)] = 0.0
    return b


def itemknn_weights(x: np.ndarray) -> np.ndarray:
    """Cosine similarity between item columns of a binary matrix, diag 0."""
    norms = np.sqrt(x.sum(axis=0))
    norms[norms == 0] = 1.0
    sim = (x.T @ x) / np.outer(norms, norms)
    sim[np.diag_indices_from(sim)] = 0.0
    return sim


def top_n(scores: np.ndarray, seen: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the n best unseen columns (ties: smaller column first) and their scores."""
    masked = np.where(seen, -np.inf, np.round(scores, 9))
    order = np.argsort(-masked, axis=1, kind="stable")[:, :n]
    values = np.take_along_axis(masked, order, axis=1)
    return order, values


def _long(fold: Fold, model: str, order: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    rows, ranks = np.nonzero(np.isfinite(values))
    return pd.DataFrame(
        {
            "model": model,
            "user_id": fold.users[rows],
            "item_id": fold.items[order[rows, ranks]],
            "score": values[rows, ranks],
            "rank": ranks + 1,
        }
    )


def model_id(model: str, params_json: str) -> str:
    """`<model>-<8 hex of the params>`: the same model with the same params has the same id."""
    return f"{model}-{text_fingerprint(params_json, 8)}"


def ndcg_of_lists(lists: pd.DataFrame, targets: pd.DataFrame, k: int) -> float:
    """Mean NDCG@k over users with a target, for lists with a `rank` column."""
    n_relevant = targets.groupby("user_id")["item_id"].nunique()
    scored = lists[lists["rank"] <= k][["user_id", "item_id", "rank"]].copy()
    truth = set(zip(targets["user_id"], targets["item_id"], strict=True))
    scored["label"] = [int((u, i) in truth) for u, i in zip(scored["user_id"], scored["item_id"], strict=True)]
    scored["score"] = -scored["rank"].astype(float)
    return float(per_user_metrics(scored, n_relevant, k)["ndcg_at_k"].mean())


def baseline_candidates(fold: Fold, seen: np.ndarray, item_scores: pd.DataFrame, n: int) -> pd.DataFrame:
    """Popularity-type baselines: one global item score, each user's unseen items by it."""
    frames = []
    stats = item_scores.set_index("item_id").reindex(fold.items)
    for model, column in [
        ("popularity", "interactions"),
        ("bayes_average", "bayes_average_rating"),
        ("recency_popularity", "recency_popularity"),
    ]:
        values = stats[column].to_numpy(dtype=float)
        if np.isnan(values).all():  # e.g. no ratings in the log: the Bayesian average does not apply
            continue
        values = np.nan_to_num(values, nan=-np.inf)
        order, top = top_n(np.broadcast_to(values, seen.shape), seen, n)
        frames.append(_long(fold, model, order, top))
    return pd.concat(frames, ignore_index=True)


def cf_candidates(
    folds: dict[str, Fold],
    targets: pd.DataFrame,
    n: int,
    k: int,
    lambdas: list[float],
    taus: list[float],
) -> tuple[pd.DataFrame, list[dict]]:
    """EASE and item kNN candidates for every fold, with (lambda, tau) chosen on the validation
    fold's targets. Returns (candidates with a `fold` column, one info dict per fold x model)."""
    val = folds["validation"]
    x = val.binary()
    seen = x > 0
    choices: dict[str, dict] = {}
    grids = {
        "ease": [{"lambda": lam, "tau": tau} for lam, tau in itertools.product(lambdas, taus)],
        "itemknn": [{"tau": tau} for tau in taus],
        # plain EASE as published (no profile decay): the like-for-like reference point
        "ease_no_decay": [{"lambda": lam, "tau": 0.0} for lam in lambdas],
    }
    for model, grid in grids.items():
        best, best_ndcg, tried = None, -1.0, []
        weights_by_lambda = {}
        for params in grid:
            if model.startswith("ease"):
                if params["lambda"] not in weights_by_lambda:
                    weights_by_lambda[params["lambda"]] = ease_weights(x, params["lambda"])
                w = weights_by_lambda[params["lambda"]]
            else:
                w = weights_by_lambda.setdefault("knn", itemknn_weights(x))
            order, top = top_n(val.profile(params["tau"]) @ w, seen, k)
            score = ndcg_of_lists(_long(val, model, order, top), targets, k)
            tried.append({**params, "validation_ndcg": round(score, 9)})
            if score > best_ndcg + 1e-12:
                best, best_ndcg = params, score
        choices[model] = {"params": best, "grid": tried}

    frames, info = [], []
    for name, fold in folds.items():
        x = fold.binary()
        seen = x > 0
        for model in CF_MODELS:
            params = choices[model]["params"]
            t0 = time.perf_counter()
            w = ease_weights(x, params["lambda"]) if model.startswith("ease") else itemknn_weights(x)
            order, top = top_n(fold.profile(params["tau"]) @ w, seen, n)
            frame = _long(fold, model, order, top)
            frame.insert(0, "fold", name)
            frames.append(frame)
            info.append(
                {
                    "fold": name,
                    "model": model,
                    "params": {**params, "grid": choices[model]["grid"]},
                    "fit_seconds": time.perf_counter() - t0,
                }
            )
    return pd.concat(frames, ignore_index=True), info


def all_candidates(
    history: pd.DataFrame,
    targets: pd.DataFrame,
    item_scores: pd.DataFrame,
    n: int,
    k: int,
    lambdas: list[float],
    taus: list[float],
) -> pd.DataFrame:
    """Top-n candidates of every model for every fold: fold, model, user_id, item_id, score, rank,
    params (JSON), fit_seconds. `history` / `targets` / `item_scores` carry a `fold` column."""
    history = history.sort_values(["fold", "user_id", "recency_rank"], kind="mergesort")
    folds = {f: Fold.from_history(h) for f, h in history.groupby("fold", sort=True)}
    if "validation" not in folds:
        raise ValueError("no validation fold: every user has too few interactions to split twice")
    frames = []
    for name, fold in folds.items():
        t0 = time.perf_counter()
        seen = fold.binary() > 0
        base = baseline_candidates(fold, seen, item_scores[item_scores["fold"] == name], n)
        base.insert(0, "fold", name)
        base["params"] = json.dumps({})
        base["fit_seconds"] = time.perf_counter() - t0
        frames.append(base)
    cf, info = cf_candidates(folds, targets[targets["fold"] == "validation"], n, k, lambdas, taus)
    meta = pd.DataFrame(info)
    meta["params"] = [json.dumps(p, sort_keys=True) for p in meta["params"]]
    frames.append(cf.merge(meta, on=["fold", "model"], how="left"))
    out = pd.concat(frames, ignore_index=True)
    out["model_id"] = [model_id(m, p) for m, p in zip(out["model"], out["params"], strict=True)]
    out["score"] = out["score"].round(9)
    out["fit_seconds"] = out["fit_seconds"].round(3)
    return out.sort_values(["fold", "model", "user_id", "rank"], kind="mergesort").reset_index(drop=True)


# ----- the second stage -----

RERANK_FEATURES = [
    "ease_score",
    "ease_score_share",
    "ease_rank",
    "itemknn_score",
    "itemknn_rank",
    "recency_popularity_rank",
    "item_interactions",
    "item_recency_popularity",
    "item_bayes_average_rating",
    "item_age_days",
    "item_days_since_last",
    "user_history_items",
    "user_days_since_last",
    "category_affinity",
]

RERANK_PARAMS = {
    "objective": "lambdarank",
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
}


def _fit_ranker(frame: pd.DataFrame, k: int, seed: int) -> lgb.LGBMRanker:
    ordered = frame.sort_values(["user_id", "item_id"], kind="mergesort")
    groups = ordered.groupby("user_id", sort=False).size().to_numpy()
    model = lightgbm_ranker({**RERANK_PARAMS, "lambdarank_truncation_level": 2 * k}, seed)
    model.fit(ordered[RERANK_FEATURES].to_numpy(dtype=float), ordered["label"].to_numpy(dtype=int), group=groups)
    return model


def _ranked(frame: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    out = frame[["fold", "user_id", "item_id"]].copy()
    out["score"] = np.round(scores, 9)
    out = out.sort_values(
        ["fold", "user_id", "score", "item_id"], ascending=[True, True, False, True], kind="mergesort"
    )
    out["rank"] = out.groupby(["fold", "user_id"], sort=False).cumcount() + 1
    return out.reset_index(drop=True)


def two_stage(features: pd.DataFrame, k: int, seed: int) -> tuple[pd.DataFrame, lgb.LGBMRanker, dict]:
    """Train LambdaRank on the validation fold's candidates (labels = validation targets) and
    re-rank the candidates of every fold.

    The validation fold's own lists come from cross-fitting (two halves of the users by a seeded
    hash: each half scored by a model trained on the other), so the model's validation NDCG is
    honest and comparable with the first-stage models'. Test and serve folds are scored by the
    model trained on the whole validation fold. Returns (lists, model, info)."""
    val = features[features["fold"] == "validation"].reset_index(drop=True)
    if val["label"].sum() == 0:
        raise ValueError("the validation fold's candidates contain no positive: nothing to learn from")
    t0 = time.perf_counter()
    half = seeded_halves(val["user_id"], seed)
    cross = np.empty(len(val))
    for h in (0, 1):
        model = _fit_ranker(val[half != h], k, seed)
        cross[half == h] = model.predict(val.loc[half == h, RERANK_FEATURES].to_numpy(dtype=float))
    model = _fit_ranker(val, k, seed)
    fit_seconds = time.perf_counter() - t0
    rest = features[features["fold"] != "validation"].reset_index(drop=True)
    lists = pd.concat(
        [_ranked(val, cross), _ranked(rest, model.predict(rest[RERANK_FEATURES].to_numpy(dtype=float)))],
        ignore_index=True,
    )
    info = {"params": {**RERANK_PARAMS, "features": RERANK_FEATURES}, "fit_seconds": round(fit_seconds, 3)}
    return lists, model, info


# ----- evaluation -----


def evaluate_lists(lists: pd.DataFrame, targets: pd.DataFrame, k: int) -> pd.DataFrame:
    """Per (fold, model_id, user) metrics of top-k lists against the fold's targets.

    lists: fold, model, model_id, user_id, item_id, rank. targets: fold, user_id, item_id.
    Every user with at least one target in the fold is evaluated for every model; a user a model
    gave no list scores 0. n_relevant = distinct target items."""
    out = []
    for fold, fold_targets in targets.groupby("fold", sort=True):
        n_relevant = fold_targets.groupby("user_id")["item_id"].nunique()
        truth = set(zip(fold_targets["user_id"], fold_targets["item_id"], strict=True))
        fold_lists = lists[(lists["fold"] == fold) & (lists["rank"] <= k)]
        for (model, mid), group in fold_lists.groupby(["model", "model_id"], sort=True):
            scored = group[["user_id", "item_id"]].copy()
            scored["score"] = -group["rank"].astype(float)
            scored["label"] = [int(p in truth) for p in zip(scored["user_id"], scored["item_id"], strict=True)]
            per_user = per_user_metrics(scored, n_relevant, k).reset_index()
            per_user.insert(0, "fold", fold)
            per_user.insert(1, "model", model)
            per_user.insert(2, "model_id", mid)
            out.append(per_user)
    return pd.concat(out, ignore_index=True)


# ----- versioned runs -----


def data_fingerprint(folds: pd.DataFrame) -> str:
    """SHA-256 of the fold rows' content, in a fixed order."""
    ordered = folds.sort_values(list(folds.columns), kind="mergesort").reset_index(drop=True)
    return frame_fingerprint(ordered)


def registry_rows(summary: pd.DataFrame, params: list[pd.DataFrame], folds: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """One row per model: params, validation and test metrics side by side, the data fingerprint."""
    fp = data_fingerprint(folds)
    metrics = ["precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "hit_rate_at_k", "catalog_coverage", "novelty"]
    keys = ["model", "model_id", "model_family", "split_mode", "k"]
    val = summary[summary["fold"] == "validation"][[*keys, *metrics]]
    test = summary[summary["fold"] == "test"][[*keys, *metrics, "users_evaluated", "fit_seconds"]]
    rows = val.merge(test, on=keys, suffixes=("_validation", "_test"), how="outer")
    rows = rows.merge(pd.concat(params, ignore_index=True).drop_duplicates("model_id"), on="model_id", how="left")
    best = rows["ndcg_at_k_validation"].max()
    rows["is_best_on_validation"] = rows["ndcg_at_k_validation"] == best
    rows.insert(0, "run_id", run_id)
    rows["data_fingerprint"] = fp
    return rows.sort_values(["model_family", "model"], kind="mergesort").reset_index(drop=True)


def write_run_artifacts(registry: pd.DataFrame, root: Path, run_id: str, run_vars: dict) -> Path:
    """artifacts/<run_id>/registry.json (+ vars.json) and artifacts/LATEST -> <run_id>."""
    run_dir = root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "registry.json").write_text(registry.to_json(orient="records", indent=2, double_precision=9) + "\n")
    (run_dir / "vars.json").write_text(json.dumps(run_vars, indent=2, sort_keys=True, default=str) + "\n")
    (root / "LATEST").write_text(run_id + "\n")
    return run_dir
