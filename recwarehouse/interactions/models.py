"""Recommenders for bring-your-own interaction logs, at real size: popularity baselines, item kNN
on sparse top-k neighbours, EASE, ALS and BPR (from `implicit`), and a LightGBM LambdaRank second
stage over their candidates.

Every model scores items for a user from the user's *history* in a fold (see
``int_interaction_folds_assembled``): the seen-item filter is that history, never the target rows
(unless `interactions_reconsumption` is on: then seen items may be recommended). The user x item
matrix is sparse and users are scored in chunks (``recwarehouse.interactions.matrix``), so memory
is bounded by a chunk and the model, never by users x items. Items are indexed in sorted id order;
every top-N gives an equal score to the item that first appears earlier in the log (the smaller
item id when that is not known), so the same data give the same lists, whatever the ids.

EASE (Steck, 2019): B = I - P / diag(P) with P = (X'X + lambda I)^-1, diag(B) = 0; scores = x_u B.
P comes from a Cholesky factorisation in float32 (LAPACK potrf + potri), in place: the item x item
matrix is the model's whole memory, and EASE is skipped (and the run log says why) when it would
not fit `ease_max_memory_mb`. Item kNN: cosine similarities, each item keeping its
k most similar items (sparse; k from `itemknn_neighbours`); scores = x_u S. Both score a user's history row
recency-weighted: the r-th most recent item weighs exp(-r / tau) (tau = 0 means no decay).
ALS (Hu et al., 2008) and BPR (Rendle et al., 2009) are implicit's CPU models, seeded; BPR runs on
one thread, because its parallel SGD is not deterministic. lambda, k, tau and the ALS / BPR
settings are chosen on the validation fold (the inner split of train), never on the test rows.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.linalg import lapack

from recwarehouse import thread_limit, threads
from recwarehouse.boosting import fit_threads, lightgbm_ranker, predicting
from recwarehouse.collaborative import item_neighbours
from recwarehouse.engine import normalised, schema_columns
from recwarehouse.hashing import (
    seeded_units,
    text_fingerprint,
)
from recwarehouse.interactions.matrix import Fold, encode_ids, scored_chunks, top_entries_per_row, top_n_rows
from recwarehouse.metrics import hit_rank_metrics
from recwarehouse.progress import log

BASELINES = ("popularity", "bayes_average", "recency_popularity")
CF_MODELS = ("itemknn", "ease", "ease_no_decay", "als", "bpr")
# the first-stage models whose top `candidates_per_user` feed the re-ranker; the others keep K
POOL_MODELS = ("itemknn", "ease", "als")


@dataclass(frozen=True)
class FirstStage:
    """The first stage's settings (dbt vars, passed to the Python model as one JSON config)."""

    n: int = 30  # candidates_per_user: top-N of the pool models
    k: int = 10  # interactions_k: the K settings are tuned on and lists are served at
    list_length: int = 20  # max(interactions_ks): what the models outside the pool keep
    lambdas: tuple[float, ...] = (250.0, 500.0, 1000.0, 2000.0)
    taus: tuple[float, ...] = (0.0, 5.0, 10.0, 25.0)
    knn_neighbours: tuple[int, ...] = (50, 200, 800)
    als_grid: tuple[dict, ...] = ({"factors": 64, "regularization": 0.05, "alpha": 1.0, "iterations": 15},)
    bpr_grid: tuple[dict, ...] = ({"factors": 64, "learning_rate": 0.01, "regularization": 0.01, "iterations": 50},)
    seed: int = 42
    repeat_weight: str = "log"
    reconsumption: bool = False
    ease_max_memory_mb: float = 1024.0
    score_memory_mb: float = 256.0
    models: tuple[str, ...] = field(default=BASELINES + CF_MODELS)

    @classmethod
    def from_json(cls, text: str) -> FirstStage:
        raw = json.loads(text)
        out = cls(
            n=int(raw["n"]),
            k=int(raw["k"]),
            list_length=int(raw["list_length"]),
            lambdas=tuple(float(x) for x in raw["lambdas"]),
            taus=tuple(float(x) for x in raw["taus"]),
            knn_neighbours=tuple(int(x) for x in raw["knn_neighbours"]),
            als_grid=tuple(dict(g) for g in raw["als_grid"]),
            bpr_grid=tuple(dict(g) for g in raw["bpr_grid"]),
            seed=int(raw["seed"]),
            repeat_weight=str(raw["repeat_weight"]),
            reconsumption=bool(raw["reconsumption"]),
            ease_max_memory_mb=float(raw["ease_max_memory_mb"]),
            score_memory_mb=float(raw["score_memory_mb"]),
            models=tuple(str(m) for m in raw.get("models", BASELINES + CF_MODELS)),
        )
        unknown = sorted(set(out.models) - set(BASELINES + CF_MODELS))
        if unknown:
            raise ValueError(
                f"interactions_models holds unknown models {unknown}; known: {list(BASELINES + CF_MODELS)}"
            )
        if out.n < out.list_length or out.list_length < out.k or out.k < 1:
            raise ValueError(
                f"candidates_per_user ({out.n}) must be >= max(interactions_ks) ({out.list_length}) "
                f">= interactions_k ({out.k}) >= 1"
            )
        if not out.knn_neighbours or min(out.knn_neighbours) < 1:
            raise ValueError(
                f"itemknn_neighbours must be a non-empty list of whole numbers >= 1, got {list(out.knn_neighbours)}"
            )
        if not out.lambdas or min(out.lambdas) <= 0:
            raise ValueError(f"ease_lambdas must be a non-empty list of values > 0, got {list(out.lambdas)}")
        if not out.taus or min(out.taus) < 0:
            raise ValueError(f"profile_decay_taus must be a non-empty list of values >= 0, got {list(out.taus)}")
        if not out.als_grid or not out.bpr_grid:
            raise ValueError("als_grid and bpr_grid need at least one setting each")
        return out


def ease_memory_mb(n_items: int) -> float:
    """What EASE holds: the item x item matrix in float32."""
    return n_items * n_items * 4 / 2**20


def ease_skip_reason(n_items: int, max_mb: float) -> str | None:
    """Why EASE is not fitted on a catalogue of n_items, or None when it fits."""
    need = ease_memory_mb(n_items)
    if need > max_mb:
        return (
            f"EASE skipped: its item x item matrix for {n_items:,} items needs {need:,.0f} MB, above "
            f"ease_max_memory_mb = {max_mb:,g} (raise it to fit EASE)"
        )
    return None


def ratings_skip_reason(item_scores: pd.DataFrame) -> str | None:
    """Why the Bayesian-average baseline is not built, or None when the log has ratings."""
    if item_scores["bayes_average_rating"].isna().all():
        return "bayes_average skipped: the log has no ratings (rating is null on every row)"
    return None


def skipped_models(item_scores: pd.DataFrame, s: FirstStage) -> list[dict]:
    """The models this run does not build, each with the reason (the registry lists them too).
    item_scores: per (fold, item) of the folds' histories (`int_interaction_items_scored`)."""
    no_ratings = ratings_skip_reason(item_scores)
    largest = int(item_scores.groupby("fold").size().max()) if len(item_scores) else 0
    too_big = ease_skip_reason(largest, s.ease_max_memory_mb)
    out = []
    for model in BASELINES + CF_MODELS:
        if model not in s.models:
            reason = f"{model} left out: not in var interactions_models"
        elif model == "bayes_average":
            reason = no_ratings
        elif model.startswith("ease"):
            reason = too_big
        else:
            reason = None
        if reason:
            out.append({"model": model, "reason": reason})
    return out


def ease_weights(x: sp.spmatrix | np.ndarray, lam: float) -> np.ndarray:
    """EASE's item-item matrix B (closed form, float32), diag(B) = 0; P = (X'X + lambda I)^-1 by a
    Cholesky factorisation and inverse in place (no explicit general inverse, one n x n buffer), on
    one thread, so B is the same whatever the thread count."""
    if lam <= 0:
        raise ValueError(f"EASE lambda must be > 0, got {lam}")
    x = sp.csr_matrix(x, dtype=np.float32)
    n = x.shape[1]
    gram = np.asfortranarray((x.T @ x).toarray().astype(np.float32))
    gram[np.diag_indices(n)] += np.float32(lam)
    # one BLAS thread, held: a factorisation split over threads sums in another order, and B (so
    # the lists) would depend on the thread count, or on a model beside it changing the setting
    # mid-way; on one thread it is the same on every machine, and no slower here (4,000 items:
    # 0.6 s against 0.9 s on two)
    with thread_limit(1, hold=True):
        chol, info = lapack.spotrf(gram, lower=0, overwrite_a=1, clean=0)
        if info != 0:
            raise np.linalg.LinAlgError(f"EASE: X'X + {lam} I is not positive definite (potrf info {info})")
        p, info = lapack.spotri(chol, lower=0, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: inverse failed (potri info {info})")
    # potri fills the upper triangle: mirror it, a block of rows at a time (no second n x n copy)
    step = 2048
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        p[lo:hi, :lo] = p[:lo, lo:hi].T
        block = p[lo:hi, lo:hi]
        p[lo:hi, lo:hi] = np.triu(block) + np.triu(block, 1).T
    diag = np.diag(p).copy()
    p /= -diag[None, :]
    p[np.diag_indices(n)] = 0.0
    return np.ascontiguousarray(p)


def keep_neighbours(similar: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Item kNN's S cut to each item's k most similar (ties: the smaller column, as
    `item_neighbours` keeps them): the same S as fitting with k, from a fit with more."""
    rows, cols, vals = top_entries_per_row(similar, k)
    out = sp.csr_matrix((vals, (rows, cols)), shape=similar.shape, dtype=np.float32)
    out.sort_indices()
    return out


def itemknn_weights(x: sp.spmatrix | np.ndarray, k: int | None = None) -> sp.csr_matrix:
    """Cosine similarity between the item columns of X, diag 0, each item keeping its k most
    similar items (all of them when k is None)."""
    x = sp.csr_matrix(x, dtype=np.float32)
    return item_neighbours(x, x.shape[1] if k is None else k)


def _fit_implicit(kind: str, fold: Fold, params: dict, seed: int):
    """ALS or BPR from implicit on the fold's matrix (CPU, seeded). The matrix is fitted with its
    users and items in the order they first appear in the log (`Fold.user_first` / `item_first`)
    when it is known, and the factors put back in the fold's order: the random start, BPR's draws
    and every sum then visit them in the same order whatever their ids, so relabelled ids give the
    same factors, bit for bit."""
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    n_users, n_items = fold.x.shape
    by_user = np.arange(n_users) if fold.user_first is None else fold.user_order()
    by_item = np.arange(n_items) if fold.item_first is None else fold.tie_order()
    x = fold.in_log_order().astype(np.float32)
    # BPR: one thread, because parallel SGD (hogwild) would make the factors differ run to run; no
    # BLAS either, so no process-wide thread limit: its fits run beside other work (`all_candidates`).
    # ALS runs its own threads (and implicit checks BLAS when it is made): BLAS inside them must not
    with nullcontext() if kind == "bpr" else thread_limit(1):
        if kind == "bpr":
            model = BayesianPersonalizedRanking(
                factors=int(params["factors"]),
                learning_rate=float(params["learning_rate"]),
                regularization=float(params["regularization"]),
                iterations=int(params["iterations"]),
                random_state=seed,
                num_threads=1,
            )
        else:
            model = AlternatingLeastSquares(
                factors=int(params["factors"]),
                regularization=float(params["regularization"]),
                alpha=float(params["alpha"]),
                iterations=int(params["iterations"]),
                random_state=seed,
                num_threads=threads(),
            )
        model.fit(x, show_progress=False)
    model.user_factors = np.ascontiguousarray(model.user_factors[np.argsort(by_user)])
    model.item_factors = np.ascontiguousarray(model.item_factors[np.argsort(by_item)])
    return model


# ----- scoring -----

ScoreBlock = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ListJob:
    """One (fold, model)'s top lists as something that can be shipped where a fold's users are
    (Spark's executors): what scoring needs besides the users' own rows. `kind` is "global" (one
    score per item, `weights` the scores: the popularity-type baselines), "profile" (the user's
    decayed profile, `tau`, times an item x item matrix `weights`: EASE dense, item kNN sparse) or
    "factors" (`weights` = (user factors, item factors) of the fold's users `users`: ALS, BPR).
    `items` are the fold's sorted item ids; `part` numbers the lists in `ListBuilder`'s labels.
    `order`: the fold's items in the order they first appear in the log (`Fold.tie_order`): equal
    scores go to the item earlier in it, so relabelled ids give the same lists; without it, to the
    smaller item id."""

    fold: str
    part: int
    n: int
    items: np.ndarray
    kind: str
    weights: object
    tau: float = 0.0
    users: np.ndarray | None = None
    order: np.ndarray | None = None

    def score_block(self, fold: Fold) -> ScoreBlock:
        """The dense (or, for item kNN, sparse) score block of some of `fold`'s users (row indices),
        its columns the items in `order` (or the fold's); `fold` is the job's fold or a part of it
        with the same items."""
        order = self.order
        if self.kind == "profile":  # `weights` are over the items in `order` (`fit_model`)
            profile, weights = fold.profile(self.tau), self.weights
            if order is not None:
                profile = sp.csr_matrix(profile[:, order])
                profile.sort_indices()
            if sp.issparse(weights):  # sparse scores (a history's neighbours): `scored_chunks` keeps them sparse
                return lambda rows: profile[rows] @ weights
            return lambda rows: np.asarray(profile[rows] @ weights)
        if self.kind == "factors":
            user_factors, item_factors = self.weights
            item_factors = item_factors if order is None else item_factors[order]
            at = np.searchsorted(self.users, fold.users)
            return lambda rows: user_factors[at[rows]] @ item_factors.T
        raise ValueError(f"a {self.kind!r} job has no score block")

    def chunks(self, fold: Fold, exclude_seen: bool, memory_mb: float, users: np.ndarray | None = None, workers=None):
        """(user rows, top-n columns, scores) chunk by chunk for `fold`'s users (or the row indices
        `users`)."""
        if self.kind == "global":
            return global_top_n(fold, self.weights, self.n, exclude_seen, memory_mb, users, self.order)
        return scored_chunks(
            fold, self.score_block(fold), self.n, memory_mb, exclude_seen, workers, users, order=self.order
        )


def list_job(model: str, fold_name: str, fold: Fold, params: dict, fitted, n: int, part: int = -1) -> ListJob:
    """The `ListJob` of a fitted CF model on a fold."""
    if model in ("ease", "ease_no_decay", "itemknn"):
        return ListJob(fold_name, part, n, fold.items, "profile", fitted, float(params["tau"]), order=fold.tie_order())
    if model in ("als", "bpr"):
        factors = (np.asarray(fitted.user_factors), np.asarray(fitted.item_factors))
        return ListJob(fold_name, part, n, fold.items, "factors", factors, users=fold.users, order=fold.tie_order())
    raise ValueError(f"unknown model {model!r}")


def scorer(model: str, fold: Fold, params: dict, fitted) -> ScoreBlock:
    """The dense score block of a fitted model for some of the fold's users (row indices); its
    columns are the items in `fold.tie_order()` when the fold has one."""
    return list_job(model, "", fold, params, fitted, 0).score_block(fold)


LIST_SCHEMA = "part int, user_id string, item_id string, score double, rank int"


class FoldLister:
    """A `ListJob` run on a group of its fold's users, for the engine's `map_groups` (on Spark, on
    the executors): `rows` are every history row (user_id, item_id, recency_rank) of the users to
    list. Returns their lists (part, user_id, item_id, score, rank), as `ListBuilder` writes them:
    the same rows as the whole fold's run gives those users."""

    def __init__(self, job: ListJob, exclude_seen: bool, memory_mb: float, repeat_rule: str) -> None:
        self.job, self.exclude_seen, self.memory_mb, self.repeat_rule = job, exclude_seen, memory_mb, repeat_rule

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        user_codes, users = pd.factorize(rows["user_id"].astype(str), sort=True)
        items = rows["item_id"].astype(str).to_numpy(dtype=object)
        item_codes = np.searchsorted(self.job.items, items)
        if (item_codes >= len(self.job.items)).any() or (
            self.job.items[np.minimum(item_codes, len(self.job.items) - 1)] != items
        ).any():
            raise ValueError(f"fold {self.job.fold}: history items missing from the fitted model's items")
        fold = Fold.from_codes(
            user_codes, item_codes, rows["recency_rank"].to_numpy(), np.asarray(users, dtype=object), self.job.items,
            self.repeat_rule, every_item=True,
        )  # fmt: skip
        parts = [_list_rows(self.job.part, fold.users, self.job.items, chunk) for chunk in self.job.chunks(
            fold, self.exclude_seen, self.memory_mb, workers=1)]  # fmt: skip
        return (
            pd.concat(parts, ignore_index=True)
            if parts
            else _list_rows(self.job.part, fold.users, self.job.items, None)
        )


def _list_rows(part: int, users: np.ndarray, items: np.ndarray, chunk) -> pd.DataFrame:
    """One chunk's lists as rows (the finite scores, rank 1 first), as `ListBuilder.add` keeps them."""
    if chunk is None:
        return pd.DataFrame({"part": pd.Series(dtype="int32"), "user_id": pd.Series(dtype=object),
                             "item_id": pd.Series(dtype=object), "score": pd.Series(dtype=float),
                             "rank": pd.Series(dtype="int32")})  # fmt: skip
    rows, cols, vals = chunk
    r, k = np.nonzero(np.isfinite(vals))
    return pd.DataFrame(
        {"part": np.full(r.size, part, dtype=np.int32), "user_id": users[rows[r]], "item_id": items[cols[r, k]],
         "score": np.round(vals[r, k], 9), "rank": (k + 1).astype(np.int32)}
    )  # fmt: skip


def fit_model(model: str, fold: Fold, params: dict, seed: int):
    """The fitted object `scorer` needs: EASE's B or kNN's sparse S, both over the items in the
    fold's tie order (`Fold.in_log_order`), or an implicit model (factors in the fold's order)."""
    if model in ("ease", "ease_no_decay"):
        return ease_weights(fold.in_log_order(), params["lambda"])
    if model == "itemknn":
        return item_neighbours(fold.in_log_order(), int(params["neighbours"]))
    return _fit_implicit(model, fold, params, seed)


def global_top_n(
    fold: Fold,
    values: np.ndarray,
    n: int,
    exclude_seen: bool,
    memory_mb: float,
    users: np.ndarray | None = None,
    tie_order: np.ndarray | None = None,
):
    """Chunks of the top-n items by one global score per item (popularity-type baselines), for
    every user of the fold or only the sorted row indices `users`: only the n + (longest history)
    best items can make anyone's list, so a chunk is that narrow. Equal scores go to the item
    earlier in `tie_order` (a permutation of the columns), else to the smaller column."""
    finite = np.flatnonzero(np.isfinite(values))
    position = np.arange(values.size) if tie_order is None else np.argsort(tie_order)
    order = finite[np.lexsort((position[finite], -values[finite]))]
    longest = int(np.diff(fold.x.indptr).max(initial=0)) if exclude_seen else 0
    keep = order[: n + longest]
    position = np.full(fold.shape[1], -1, dtype=np.int64)
    position[keep] = np.arange(keep.size)
    narrow = values[keep]
    step = max(16, int(memory_mb * 2**20 // (max(keep.size, 1) * 8 * 3)))
    everyone = np.arange(fold.shape[0]) if users is None else np.asarray(users, dtype=np.int64)
    for lo in range(0, everyone.size, step):
        rows = everyone[lo : lo + step]
        block = np.broadcast_to(narrow, (rows.size, keep.size)).copy()
        if exclude_seen:
            seen = fold.x[rows]
            r = np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr))
            at = position[seen.indices]
            block[r[at >= 0], at[at >= 0]] = -np.inf
        cols, vals = top_n_rows(block, None, n, overwrite=True)
        yield rows, keep[cols], vals


# ----- validation metric on index arrays -----


class FoldTargets:
    """A fold's target (user, item) pairs on the fold's own index, for NDCG@K without strings."""

    def __init__(self, fold: Fold, targets: pd.DataFrame):
        t = targets.drop_duplicates(["user_id", "item_id"])
        self.users_evaluated = int(t["user_id"].nunique())
        self.n_items = fold.shape[1]
        u = np.searchsorted(fold.users, t["user_id"].astype(str).to_numpy(dtype=object))
        known_u = (u < fold.shape[0]) & (fold.users[np.minimum(u, fold.shape[0] - 1)] == t["user_id"].to_numpy())
        i = np.searchsorted(fold.items, t["item_id"].astype(str).to_numpy(dtype=object))
        known_i = (i < fold.shape[1]) & (fold.items[np.minimum(i, fold.shape[1] - 1)] == t["item_id"].to_numpy())
        self.n_relevant = np.bincount(u[known_u], minlength=fold.shape[0])  # items outside the fold count too
        both = known_u & known_i
        self.keys = np.sort(u[both].astype(np.int64) * self.n_items + i[both])

    def ndcg(self, chunks, k: int) -> float:
        """Mean NDCG@k over the fold's users with targets (users without a list score 0), by the
        metrics module's formula (`hit_rank_metrics`) fed with where the hits are."""
        if self.users_evaluated == 0:
            return float("nan")
        hit_users, hit_ranks = [], []
        for rows, cols, vals in chunks:
            keys = rows[:, None].astype(np.int64) * self.n_items + cols[:, :k]
            r, c = np.nonzero(np.isin(keys, self.keys) & np.isfinite(vals[:, :k]))
            hit_users.append(rows[r])
            hit_ranks.append(c + 1)
        evaluated = np.flatnonzero(self.n_relevant > 0)
        users = np.searchsorted(evaluated, np.concatenate(hit_users)) if hit_users else np.zeros(0, dtype=np.int64)
        ranks = np.concatenate(hit_ranks) if hit_ranks else np.zeros(0, dtype=np.int64)
        ndcg = hit_rank_metrics(users, ranks, self.n_relevant[evaluated], k)["ndcg_at_k"]
        return float(ndcg.sum()) / self.users_evaluated


# ----- the first stage -----


def _grid(model: str, s: FirstStage) -> list[dict]:
    if model == "ease":
        return [{"lambda": lam, "tau": tau} for lam, tau in itertools.product(s.lambdas, s.taus)]
    if model == "ease_no_decay":  # plain EASE as published: the like-for-like reference point
        return [{"lambda": lam, "tau": 0.0} for lam in s.lambdas]
    if model == "itemknn":
        return [{"neighbours": k, "tau": tau} for k, tau in itertools.product(s.knn_neighbours, s.taus)]
    return [dict(g) for g in (s.als_grid if model == "als" else s.bpr_grid)]


def _timed_fit(model: str, fold: Fold, params: dict, seed: int) -> tuple[object, float]:
    t0 = time.perf_counter()
    fitted = fit_model(model, fold, params, seed)
    return fitted, time.perf_counter() - t0


def sample_users(users: np.ndarray, max_users: int, seed: int, first: np.ndarray | None = None) -> np.ndarray:
    """All the users (sorted), or a seeded sample of max_users of them: the validation users the
    re-ranker learns from (`rerank_training_users`). With `first` (where each user first appears
    in the log, aligned with `users`) the draw hashes that, not the id, so relabelled ids draw the
    same users."""
    users = np.asarray(users, dtype=object)
    if len(users) <= max_users:
        return np.sort(users)
    keys = users if first is None else np.asarray(first)
    return np.sort(users[np.argsort(seeded_units(keys, seed), kind="stable")[:max_users]])


def _fit_key(params: dict) -> str:
    """What a fit depends on: the settings without tau (tau only changes the scoring profile)."""
    return json.dumps({k: v for k, v in params.items() if k != "tau"}, sort_keys=True)


def _tune(
    model: str,
    fold: Fold,
    targets: FoldTargets,
    s: FirstStage,
    rows: np.ndarray | None = None,
    prefit: dict | None = None,
    known: dict[str, float] | None = None,
) -> tuple[dict, list[dict], object]:
    """The grid setting with the best validation NDCG@k (first of equals) over the fold's `rows`
    (default: every user), the whole grid, and the best setting's fit on the validation fold
    (reused for that fold's lists). `prefit`: fit key -> a future of (fit, seconds) started earlier.
    `known`: settings (`_setting_key`) already scored on this fold by another model that lists the
    same way (EASE without decay is EASE's tau 0): their NDCG is taken, not refitted, and only the
    best setting is fitted."""
    best, best_ndcg, tried, fitted, best_fitted = None, -1.0, [], {}, None
    widest = None  # item kNN: the fit with the most neighbours; the others are cut from it
    for params in _grid(model, s):
        if known and _setting_key(params) in known:
            score = known[_setting_key(params)]
            tried.append({**params, "validation_ndcg": round(score, 9)})
            if score > best_ndcg + 1e-12:
                best, best_ndcg, best_fitted = params, score, None
            continue
        shape_key = _fit_key(params)
        if shape_key not in fitted and model == "itemknn":
            if widest is None:
                widest = fit_model(model, fold, {**params, "neighbours": max(s.knn_neighbours)}, s.seed)
            fitted = {shape_key: keep_neighbours(widest, int(params["neighbours"]))}
        elif shape_key not in fitted:
            future = (prefit or {}).pop(shape_key, None)
            fitted = {shape_key: future.result()[0] if future else fit_model(model, fold, params, s.seed)}
        job = list_job(model, "validation", fold, params, fitted[shape_key], s.k)
        chunks = job.chunks(fold, not s.reconsumption, s.score_memory_mb, users=rows)
        score = targets.ndcg(chunks, s.k)
        tried.append({**params, "validation_ndcg": round(score, 9)})
        if score > best_ndcg + 1e-12:
            best, best_ndcg, best_fitted = params, score, fitted[shape_key]
    if best_fitted is None:  # the best setting's NDCG was known: fit it once, for the fold's lists
        best_fitted = fit_model(model, fold, best, s.seed)
    return best, tried, best_fitted


def _setting_key(params: dict) -> str:
    return json.dumps(params, sort_keys=True)


def known_scores(model: str, tuned: dict[str, list[dict]]) -> dict[str, float] | None:
    """Validation NDCG@k another model already measured for `model`'s settings: EASE without decay
    is EASE's grid at tau 0 (the same factorisation, the same lists), so its lambdas need no
    second fit."""
    if model != "ease_no_decay" or "ease" not in tuned:
        return None
    scores = {}
    for t in tuned["ease"]:
        setting = {k: v for k, v in t.items() if k != "validation_ndcg"}
        if setting["tau"] == 0.0:
            scores[_setting_key(setting)] = float(t["validation_ndcg"])
    return scores


class ListBuilder:
    """Streams the top lists of many (fold, model) runs out as Arrow tables, chunk by chunk, with
    ids dictionary-encoded over one index shared by the folds, so memory holds one chunk, never the
    lists. `sink` receives each table (columns part, user_id, item_id, score, rank); `labels()`
    says what each part is (fold, model, params, fit_seconds, model_id). Without a sink the tables
    are kept, for `frame()` (small data, tests)."""

    def __init__(self, folds: dict[str, Fold], sink: Callable | None = None, rows_per_table: int = 2_000_000):
        import pyarrow as pa

        self.users = np.unique(np.concatenate([f.users for f in folds.values()]))
        self.items = np.unique(np.concatenate([f.items for f in folds.values()]))
        self._user_dictionary = pa.array(self.users.tolist(), type=pa.string())
        self._item_dictionary = pa.array(self.items.tolist(), type=pa.string())
        self.maps = {
            name: (np.searchsorted(self.users, f.users), np.searchsorted(self.items, f.items))
            for name, f in folds.items()
        }
        self.kept: list = []
        self.sink = sink or self.kept.append
        self.rows_per_table = rows_per_table
        self._labels: list[tuple[str, str, str, float]] = []

    def _flush(self, part: int, pieces: list) -> None:
        import pyarrow as pa

        u, i, v, rank = (np.concatenate(p) for p in zip(*pieces, strict=True))
        self.sink(
            pa.table(
                {
                    "part": pa.array(np.full(u.size, part, dtype=np.int32)),
                    "user_id": pa.DictionaryArray.from_arrays(pa.array(u.astype(np.int32)), self._user_dictionary),
                    "item_id": pa.DictionaryArray.from_arrays(pa.array(i.astype(np.int32)), self._item_dictionary),
                    "score": pa.array(np.round(v, 9)),
                    "rank": pa.array(rank.astype(np.int32)),
                }
            )
        )

    def add(self, fold_name: str, model: str, params: str, chunks) -> float:
        """Consume the chunks of one (fold, model); returns the seconds they took."""
        t0 = time.perf_counter()
        part = len(self._labels)
        umap, imap = self.maps[fold_name]
        pieces, held = [], 0
        for rows, cols, vals in chunks:
            r, k = np.nonzero(np.isfinite(vals))
            pieces.append((umap[rows[r]], imap[cols[r, k]], vals[r, k], k + 1))
            held += r.size
            if held >= self.rows_per_table:
                self._flush(part, pieces)
                pieces, held = [], 0
        if pieces:
            self._flush(part, pieces)
        seconds = time.perf_counter() - t0
        self._labels.append((fold_name, model, params, seconds))
        return seconds

    def label(self, fold_name: str, model: str, params: str, seconds: float) -> int:
        """A part whose rows are written elsewhere (`all_candidates`' `remote`): its number."""
        self._labels.append((fold_name, model, params, seconds))
        return len(self._labels) - 1

    def set_seconds(self, seconds: float) -> None:
        """Replace the last part's seconds (a fit timed outside `add`, plus its scoring)."""
        self._labels[-1] = (*self._labels[-1][:3], seconds)

    def labels(self) -> pd.DataFrame:
        out = pd.DataFrame(self._labels, columns=["fold", "model", "params", "fit_seconds"])
        out["model_id"] = [model_id(m, p) for m, p in zip(out["model"], out["params"], strict=True)]
        out["fit_seconds"] = out["fit_seconds"].round(3)
        out.insert(0, "part", np.arange(len(out), dtype=np.int32))
        return out

    def frame(self) -> pd.DataFrame:
        """The kept tables as one frame with the labels joined (text ids): small data only."""
        import pyarrow as pa

        columns = ["fold", "model", "user_id", "item_id", "score", "rank", "params", "fit_seconds", "model_id"]
        if not self.kept:
            return pd.DataFrame(columns=columns)
        rows = pa.concat_tables(self.kept).to_pandas()
        rows["user_id"] = rows["user_id"].astype(str)
        rows["item_id"] = rows["item_id"].astype(str)
        return rows.merge(self.labels(), on="part", how="left")[columns]


def first_rows(codes: np.ndarray, log_row: np.ndarray, n: int) -> np.ndarray:
    """Each code's smallest log_row: where that user or item first appears in the log."""
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, log_row)
    return first


def build_folds(history, repeat_rule: str) -> dict[str, Fold]:
    """Folds from history rows (fold, user_id, item_id, recency_rank, and optionally log_row) as a
    pyarrow Table or a DataFrame; ids are coded once, through Arrow, so no per-row Python strings
    are made. With log_row, each fold knows where its users and items first appear in the log
    (over every fold's rows: the serve fold holds the whole log)."""
    import pyarrow as pa

    table = history if isinstance(history, pa.Table) else pa.Table.from_pandas(history, preserve_index=False)
    users, user_ids = encode_ids(table.column("user_id").cast(pa.string()))
    items, item_ids = encode_ids(table.column("item_id").cast(pa.string()))
    fold_codes, fold_names = encode_ids(table.column("fold"))
    recency = table.column("recency_rank").to_numpy()
    if "log_row" in table.column_names:
        log_row = table.column("log_row").to_numpy().astype(np.int64)
        user_first, item_first = first_rows(users, log_row, len(user_ids)), first_rows(items, log_row, len(item_ids))
    folds = {}
    for code, name in enumerate(fold_names):
        at = fold_codes == code
        fold = Fold.from_codes(users[at], items[at], recency[at], user_ids, item_ids, repeat_rule)
        if "log_row" in table.column_names:
            fold.user_first = user_first[np.searchsorted(user_ids, fold.users)]
            fold.item_first = item_first[np.searchsorted(item_ids, fold.items)]
        folds[str(name)] = fold
        n_users, n_items = fold.shape
        log(
            f"fold {name}: {int(at.sum()):,} history rows -> {folds[str(name)].x.nnz:,} distinct pairs, "
            f"{n_users:,} users x {n_items:,} items, sparse matrix {folds[str(name)].megabytes():.0f} MB"
        )
    return folds


def all_candidates(
    history,
    targets: pd.DataFrame,
    item_scores: pd.DataFrame,
    s: FirstStage,
    sink: Callable | None = None,
    remote: Callable[[ListJob], None] | None = None,
) -> tuple[ListBuilder, list[dict]]:
    """Top lists of every model for every fold: fold, model, user_id, item_id, score, rank, params
    (JSON), fit_seconds, model_id; pool models keep s.n rows per user, the others s.list_length.
    `history` / `targets` / `item_scores` carry a `fold` column. Returns (lists, skipped), skipped
    = one {model, reason} per model that was not built.

    With `remote`, the lists are not scored here: each (fold, model) is handed to `remote` as a
    `ListJob` (numbered by the labels), to be run where the fold's users are (`FoldLister`); the
    validation fold is still scored here for tuning, on its sample of users. Its fit_seconds is
    then the fit alone."""
    folds = build_folds(history, s.repeat_weight)
    if "validation" not in folds:
        raise ValueError("no validation fold: every user has too few interactions to split twice")
    skipped = skipped_models(item_scores, s)
    for reason in dict.fromkeys(item["reason"] for item in skipped):
        log(reason)
    dropped = {item["model"] for item in skipped}
    models = [m for m in s.models if m not in dropped]

    validation = folds["validation"]
    val_targets = targets[targets["fold"] == "validation"]
    # the validation and test folds are listed for their users with targets only
    # (`int_interaction_targets` keeps seeded samples of at most `tuning_users` / `evaluation_users`
    # of them): what tuning, the model choice and the evaluation need; the serve fold lists everyone
    # (pandas' hash lookup: numpy's isin compares object arrays pair by pair, minutes at 500k users)
    listed = {}
    for name in ("validation", "test"):
        if name in folds:
            with_targets = targets.loc[targets["fold"] == name, "user_id"].unique()
            listed[name] = np.flatnonzero(pd.Index(folds[name].users).isin(with_targets))
            what = "settings are tuned and lists built" if name == "validation" else "lists built"
            log(
                f"{name}: {what} for {listed[name].size:,} users with targets "
                f"(of {folds[name].shape[0]:,} with history)"
            )

    lists = ListBuilder(folds, sink)
    exclude_seen = not s.reconsumption
    for name, fold in folds.items():
        scores = item_scores[item_scores["fold"] == name].set_index("item_id").reindex(fold.items)
        for model, column in [
            ("popularity", "interactions"),
            ("bayes_average", "bayes_average_rating"),
            ("recency_popularity", "recency_popularity"),
        ]:
            if model in models:
                values = np.nan_to_num(scores[column].to_numpy(dtype=float), nan=-np.inf)
                n = s.n if model in POOL_MODELS else s.list_length
                job = ListJob(name, -1, n, fold.items, "global", values, order=fold.tie_order())
                if remote is None:
                    lists.add(
                        name, model, json.dumps({}), job.chunks(fold, exclude_seen, s.score_memory_mb, listed.get(name))
                    )
                else:
                    remote(replace(job, part=lists.label(name, model, json.dumps({}), 0.0)))

    # the pool models first: a model outside the pool is only listed on the serve fold when its
    # validation NDCG reaches theirs (`can_serve`), since otherwise it can never be served
    cf_models = [m for m in CF_MODELS if m in models and m in POOL_MODELS]
    cf_models += [m for m in CF_MODELS if m in models and m not in POOL_MODELS]
    # BPR fits on one thread: its validation and test fits start now, one at a time beside the other
    # models' work, so the second core is not idle while they run (with one setting there is nothing
    # to choose, so the test fit starts too). Seeded and single-threaded, they are the same whenever run.
    background, early = None, {}
    if "bpr" in models and threads() > 1:
        background = ThreadPoolExecutor(max_workers=1)
        grid = _grid("bpr", s)
        for name in ["validation"] + (["test"] if len(grid) == 1 and "test" in folds else []):
            for params in grid:
                early[(name, _fit_key(params))] = background.submit(_timed_fit, "bpr", folds[name], params, s.seed)
    tuning_targets = FoldTargets(validation, val_targets)
    pool_best: tuple[str, float] | None = None
    grids: dict[str, list[dict]] = {}  # each model's validation grid, for `known_scores`
    for model in cf_models:
        t0 = time.perf_counter()
        prefit = {key: early.pop((n, key)) for (n, key) in list(early) if n == "validation"} if model == "bpr" else {}
        known = known_scores(model, grids)
        params, tried, tuned = _tune(model, validation, tuning_targets, s, listed["validation"], prefit, known)
        grids[model] = tried
        best_ndcg = max(t["validation_ndcg"] for t in tried)
        log(
            f"{model}: chose {json.dumps(params, sort_keys=True)} on validation NDCG@{s.k} "
            f"({best_ndcg:.4f}; {len(tried)} settings, {time.perf_counter() - t0:.1f} s)"
        )
        if model in POOL_MODELS and (pool_best is None or best_ndcg > pool_best[1]):
            pool_best = (model, best_ndcg)
        model_folds = list(folds)
        if "serve" in folds and not can_serve(model, best_ndcg, pool_best):
            model_folds.remove("serve")
            log(
                f"{model}: no serve-fold lists: its validation NDCG@{s.k} ({best_ndcg:.4f}) is below "
                f"{pool_best[0]}'s ({pool_best[1]:.4f}), so it can never be the served model"
            )
        params_json = json.dumps({**params, "grid": tried}, sort_keys=True)
        started = {}
        if model == "bpr" and background:
            started = {n: early.pop((n, _fit_key(params))) for n in model_folds if (n, _fit_key(params)) in early}
            others = [n for n in model_folds if n != "validation" and n not in started]
            if others:  # chosen among several settings, or the serve fold: side by side
                pool = ThreadPoolExecutor(max_workers=min(len(others), threads()))
                started.update({n: pool.submit(_timed_fit, model, folds[n], params, s.seed) for n in others})
                pool.shutdown(wait=False)
        for name in model_folds:
            fold = folds[name]
            if name == "validation":
                fitted, fit = tuned, 0.0
            else:
                fitted, fit = started.pop(name).result() if name in started else _timed_fit(model, fold, params, s.seed)
            n = s.n if model in POOL_MODELS else s.list_length
            job = list_job(model, name, fold, params, fitted, n)
            if remote is None:
                score = lists.add(
                    name, model, params_json, job.chunks(fold, exclude_seen, s.score_memory_mb, listed.get(name))
                )
                lists.set_seconds(fit + score)
            else:
                t0 = time.perf_counter()
                remote(replace(job, part=lists.label(name, model, params_json, round(fit, 3))))
                score = time.perf_counter() - t0
            del job
            n_listed = fold.shape[0] if name not in listed else listed[name].size
            log(f"{model} on fold {name}: fit {fit:.1f} s, scored {n_listed:,} users in {score:.1f} s")
            del fitted
        del tuned
    if background:
        background.shutdown()
    return lists, skipped


def can_serve(model: str, validation_ndcg: float, pool_best: tuple[str, float] | None) -> bool:
    """Whether a first-stage model may be the served one, so needs serve-fold lists. The served
    model is the best on validation NDCG@K (`fct_interaction_recommendations`); the pool models
    (kNN, EASE, ALS) always get them, because the re-ranker's serve candidates are theirs, and a
    model outside the pool is left out only when a pool model is ahead of it on validation (by more
    than float rounding: the evaluation recomputes the same NDCG in another order)."""
    return model in POOL_MODELS or pool_best is None or validation_ndcg >= pool_best[1] - 1e-9


def model_id(model: str, params_json: str) -> str:
    """`<model>-<8 hex of the params>`: the same model with the same params has the same id."""
    return f"{model}-{text_fingerprint(params_json, 8)}"


# ----- the second stage -----

RERANK_FEATURES = [
    "ease_score",
    "ease_score_share",
    "ease_rank",
    "itemknn_score",
    "itemknn_rank",
    "als_score",
    "als_rank",
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

# chosen on the validation folds of MovieLens 100K and the 1M synthetic log (cross-fitted NDCG@10):
# small trees beat 31 leaves x 300 trees on both (0.251 vs 0.239; 0.077 vs 0.070) at a fifth of the cost
RERANK_PARAMS = {
    "objective": "lambdarank",
    "n_estimators": 100,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
}


def _fit_ranker(frame: pd.DataFrame, k: int, seed: int) -> lgb.LGBMRanker:
    """LambdaRank on the frame's rows, in the order of where their users and items first appear in
    the log (`user_first`, `item_first`): LightGBM's row sampling draws by position, so rows in an
    order of their ids would make the model move when the ids are relabelled."""
    ordered = frame.sort_values(["user_first", "item_first"], kind="mergesort")
    groups = ordered.groupby("user_id", sort=False).size().to_numpy()
    shape = (len(ordered), len(RERANK_FEATURES))
    model = lightgbm_ranker({**RERANK_PARAMS, "lambdarank_truncation_level": 2 * k}, seed, shape)
    with thread_limit():
        model.fit(
            ordered[RERANK_FEATURES].to_numpy(dtype=np.float32), ordered["label"].to_numpy(dtype=int), group=groups
        )
    return predicting(model)


# the validation users are cross-fitted in this many parts: each part's lists come from a model
# trained on the other parts, so on 80% of the training users. With two halves (50%) the re-ranker's
# validation NDCG fell short of its test NDCG by more than the first stage's on the bench logs
# (MovieLens 100K: 0.2405 against 0.2673 on test, EASE 0.2404 against 0.2546), and a choice made on
# it could serve EASE there by chance; with five parts it is 0.2481 (bench/interactions_logs.py)
CROSS_FIT_PARTS = 5


@dataclass
class TwoStage:
    """The re-ranker: one model per cross-fitting part (trained on the other parts' training users,
    it scores its part's validation users) and one on all its training users (scores the test and
    serve folds)."""

    parts: pd.DataFrame  # user_id, part: every validation user's part
    models: dict  # part -> trained without that part's users; "all": on every training user
    info: dict
    item_first: pd.Series | None = None  # item_id -> where it first appears in the log: ties in score

    def score(self, batch: pd.DataFrame) -> np.ndarray:
        """Scores of a batch of featured rows (with `fold` and, for validation rows, `part`)."""
        x = batch[RERANK_FEATURES].to_numpy(dtype=np.float32)
        out = np.empty(len(batch))
        validation = (batch["fold"] == "validation").to_numpy()
        part = batch["part"].to_numpy()
        with thread_limit():
            for p in range(CROSS_FIT_PARTS):  # a validation user is scored by a model that never saw them
                at = validation & (part == p)
                if at.any():
                    out[at] = self.models[p].predict(x[at])
            if (~validation).any():
                out[~validation] = self.models["all"].predict(x[~validation])
        return np.round(out, 9)


def fit_two_stage(
    validation_users: np.ndarray,
    training: pd.DataFrame,
    k: int,
    seed: int,
    user_first: pd.Series,
    item_first: pd.Series,
) -> TwoStage:
    """Fit the re-ranker on the training users' validation-fold rows (labels = validation targets).

    Cross-fitting (the validation users in `CROSS_FIT_PARTS` parts by a seeded hash, each part
    scored by a model trained on the others) keeps the model's validation NDCG honest and
    comparable with the first stage's; test and serve rows are scored by the model trained on all
    training users. `user_first` / `item_first` (indexed by id): where each user and item first
    appears in the log. The parts hash it, and the rows are learnt in its order, so relabelled ids
    give the same model."""
    if training["label"].sum() == 0:
        raise ValueError("the validation fold's candidates contain no positive: nothing to learn from")
    t0 = time.perf_counter()
    parts = pd.DataFrame({"user_id": np.asarray(validation_users, dtype=object)})
    units = seeded_units(user_first.reindex(parts["user_id"]).to_numpy(), seed)
    parts["part"] = np.minimum((units * CROSS_FIT_PARTS).astype(int), CROSS_FIT_PARTS - 1)
    training = training.merge(parts, on="user_id", how="inner").assign(
        user_first=lambda t: user_first.reindex(t["user_id"]).to_numpy(),
        item_first=lambda t: item_first.reindex(t["item_id"]).to_numpy(),
    )
    # the parts' fits side by side, as many at once as the cores hold fits of their size (each is
    # deterministic on any number of threads, so the models are the same as one after the other)
    side_by_side = max(1, threads() // fit_threads(len(training), len(RERANK_FEATURES)))
    with ThreadPoolExecutor(max_workers=side_by_side) as pool:
        fitted = pool.map(lambda p: _fit_ranker(training[training["part"] != p], k, seed), range(CROSS_FIT_PARTS))
        models = dict(enumerate(fitted))
    log(f"re-ranker: {CROSS_FIT_PARTS} cross-fitted models, {side_by_side} at a time, {time.perf_counter() - t0:.1f} s")
    models["all"] = _fit_ranker(training, k, seed)
    seconds = time.perf_counter() - t0
    n_users = training["user_id"].nunique()
    log(f"re-ranker on all {n_users:,} training users ({len(training):,} rows): {seconds:.1f} s in all")
    info = {"params": {**RERANK_PARAMS, "features": RERANK_FEATURES}, "fit_seconds": round(seconds, 3)}
    return TwoStage(parts, models, info, item_first)


TWO_STAGE_SCHEMA = "fold string, user_id string, item_id string, score double, rank bigint"


class TwoStageLister:
    """The re-ranker's lists for a group of users, for the engine's `map_groups` (on Spark, on the
    executors): `rows` are every featured candidate (fold, user_id, item_id, RERANK_FEATURES) of
    the users. A validation user is scored by the part's model that never saw them, the test and
    serve folds by the model on all training users (`TwoStage.score`); each (fold, user) keeps its
    `list_length` best (equal scores: the item that first appears earlier in the log, else the
    smaller item id)."""

    def __init__(self, ranker: TwoStage, list_length: int) -> None:
        self.ranker, self.list_length = ranker, list_length
        self.parts = dict(zip(ranker.parts["user_id"], ranker.parts["part"], strict=True))

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        validation = (rows["fold"] == "validation").to_numpy()
        rows = rows.assign(part=np.where(validation, rows["user_id"].map(self.parts), np.nan))
        scored = rows[["fold", "user_id", "item_id"]].assign(score=self.ranker.score(rows))
        first = self.ranker.item_first
        scored["tie"] = 0 if first is None else first.reindex(scored["item_id"]).to_numpy()
        scored = scored.sort_values(
            ["fold", "user_id", "score", "tie", "item_id"], ascending=[True, True, False, True, True], kind="mergesort"
        ).drop(columns="tie")
        scored["rank"] = scored.groupby(["fold", "user_id"], sort=False).cumcount() + 1
        return scored[scored["rank"] <= self.list_length]


# ----- evaluation -----


def evaluate_hits(hits: pd.DataFrame, relevant: pd.DataFrame, lists: pd.DataFrame, ks: list[int]):
    """Per (fold, model, model_id, user, K) metrics from where the hits are, one (fold, model) at a
    time (yields frames, so memory holds one of them).

    hits: fold, model_id, user_id, rank of every listed item that is a target (rank <= max K).
    relevant: fold, user_id, n_relevant (distinct target items) of every evaluated user.
    lists: the distinct fold, model, model_id to evaluate. Every user with a target in the fold is
    evaluated for every model of the fold; a user a model gave no list scores 0."""
    for fold, users in relevant.groupby("fold", sort=True):
        users = users.sort_values("user_id", kind="mergesort")
        ids = users["user_id"].to_numpy(dtype=object)
        n_relevant = users["n_relevant"].to_numpy()
        fold_hits = hits[hits["fold"] == fold]
        for model, mid in lists[lists["fold"] == fold][["model", "model_id"]].drop_duplicates().itertuples(index=False):
            model_hits = fold_hits[fold_hits["model_id"] == mid]
            at = np.searchsorted(ids, model_hits["user_id"].to_numpy(dtype=object))
            for k in sorted(ks):
                metrics = hit_rank_metrics(at, model_hits["rank"].to_numpy(), n_relevant, k)
                frame = pd.DataFrame({"user_id": ids, "n_relevant": n_relevant, **metrics})
                frame["hits"] = frame["hits"].astype(int)
                frame.insert(0, "fold", fold)
                frame.insert(1, "model", model)
                frame.insert(2, "model_id", mid)
                frame.insert(3, "k", k)
                yield frame


EVAL_ROWS_SCHEMA = (
    "fold string, model string, model_id string, k int, user_id string, n_relevant int, hits int,"
    " precision_at_k double, recall_at_k double, ndcg_at_k double, map_at_k double, mrr_at_k double,"
    " hit_rate_at_k double"
)


class UserEvaluator:
    """`evaluate_hits` for a group of users, for the engine's `map_groups` (on Spark, on the
    executors): `rows` hold the users' hits (part 'hit': fold, model_id, user_id, rank) and their
    numbers of targets (part 'relevant': fold, user_id, n_relevant); `lists` the fold, model and
    model_id to evaluate."""

    def __init__(self, lists: pd.DataFrame, ks: list[int]) -> None:
        self.lists, self.ks = lists, ks

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        hit = (rows["part"] == "hit").to_numpy()
        relevant = rows.loc[~hit, ["fold", "user_id", "n_relevant"]].astype({"n_relevant": "int64"})
        hits = rows.loc[hit, ["fold", "model_id", "user_id", "rank"]].astype({"rank": "int64"})
        frames = list(evaluate_hits(hits, relevant, self.lists, self.ks))
        return (
            pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=schema_columns(EVAL_ROWS_SCHEMA))
        )


def evaluate_lists(lists: pd.DataFrame, targets: pd.DataFrame, ks: list[int] | int) -> pd.DataFrame:
    """The same for lists and targets held in memory (small data, tests): lists fold, model,
    model_id, user_id, item_id, rank; targets fold, user_id, item_id."""
    ks = [ks] if isinstance(ks, int) else list(ks)
    targets = targets.drop_duplicates(["fold", "user_id", "item_id"])
    relevant = targets.groupby(["fold", "user_id"], as_index=False).size().rename(columns={"size": "n_relevant"})
    top = lists[lists["rank"] <= max(ks)]
    hits = top.merge(targets, on=["fold", "user_id", "item_id"], how="inner")
    frames = list(evaluate_hits(hits, relevant, top, ks))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# ----- versioned runs -----


FINGERPRINT_SCHEMA = "row_count bigint, low bigint, high bigint"


def row_hash_sums(batch: pd.DataFrame) -> pd.DataFrame:
    """One batch's share of `data_fingerprint`: its row count and the sums of its rows' 64-bit
    hashes (`pd.util.hash_pandas_object`, in normalised types, columns by name), split into 32-bit
    halves so the sums stay exact integers. For the engine's `map_batches`."""
    batch = normalised(batch)
    hashes = pd.util.hash_pandas_object(batch[sorted(batch.columns)], index=False).to_numpy(dtype=np.uint64)
    low, high = hashes & np.uint64(0xFFFFFFFF), hashes >> np.uint64(32)
    return pd.DataFrame({"row_count": [len(batch)], "low": [int(low.sum())], "high": [int(high.sum())]})


def data_fingerprint(parts: pd.DataFrame) -> str:
    """SHA-256 of the rows' content whatever their order and batches: the row count and the sums of
    the rows' hashes, from `row_hash_sums` of every batch (or of a whole frame: small data, tests).
    Computed where the rows are, so a fingerprint of millions of rows needs no sort and no pass of
    them through one process."""
    if "row_count" not in parts:
        parts = row_hash_sums(parts)
    total = (int(parts["row_count"].sum()), int(parts["low"].sum()), int(parts["high"].sum()))
    return text_fingerprint("|".join(str(x) for x in total))


REGISTRY_METRICS = [
    "precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "mrr_at_k", "hit_rate_at_k", "catalog_coverage",
    "gini_exposure", "mean_item_popularity", "novelty",
]  # fmt: skip
# the registry's columns, in Spark's DDL (`recwarehouse.engine`)
REGISTRY_SCHEMA = ", ".join(
    ["run_id string", "model string", "model_id string", "model_family string", "split_mode string", "k int"]
    + [f"{metric}_{fold} double" for fold in ("validation", "test") for metric in REGISTRY_METRICS]
    + ["users_evaluated bigint", "fit_seconds double", "params string", "is_best_on_validation boolean"]
    + ["status string", "skip_reason string", "data_fingerprint string"]
)


def registry_rows(
    summary: pd.DataFrame,
    params: list[pd.DataFrame],
    fingerprint: str,
    run_id: str,
    skipped: list[dict] | None = None,
) -> pd.DataFrame:
    """One row per model: params, validation and test metrics side by side, the data fingerprint
    (`data_fingerprint`); and one row per model the run skipped (`status` skipped, `skip_reason`,
    no metrics)."""
    fp = fingerprint
    metrics = REGISTRY_METRICS
    keys = ["model", "model_id", "model_family", "split_mode", "k"]
    val = summary[summary["fold"] == "validation"][[*keys, *metrics]]
    test = summary[summary["fold"] == "test"][[*keys, *metrics, "users_evaluated", "fit_seconds"]]
    rows = val.merge(test, on=keys, suffixes=("_validation", "_test"), how="outer")
    rows = rows.merge(pd.concat(params, ignore_index=True).drop_duplicates("model_id"), on="model_id", how="left")
    best = rows["ndcg_at_k_validation"].max()
    rows["is_best_on_validation"] = rows["ndcg_at_k_validation"] == best
    rows["status"] = "built"
    rows["skip_reason"] = None
    if skipped:
        extra = pd.DataFrame(
            {
                "model": [s["model"] for s in skipped],
                "model_id": [f"{s['model']}-skipped" for s in skipped],
                "model_family": ["baseline" if s["model"] in BASELINES else "cf" for s in skipped],
                "split_mode": summary["split_mode"].iloc[0] if len(summary) else None,
                "k": summary["k"].iloc[0] if len(summary) else None,
                "is_best_on_validation": False,
                "status": "skipped",
                "skip_reason": [s["reason"] for s in skipped],
            }
        )
        rows = pd.concat([rows, extra], ignore_index=True)
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
