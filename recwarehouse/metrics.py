"""Top-K ranking metrics, computed per user and averaged over users with at least one positive.

Conventions (the same everywhere in the warehouse):

* Each user's candidates are ranked by score, highest first; ties are broken by item id ascending,
  so a ranking is deterministic.
* ``n_relevant`` is the user's number of positives in the target period, *including* positives
  that are not among the candidates (a candidate generator that misses them is penalised).
* Precision@K = hits in top K / K (also when a user has fewer than K candidates).
* Recall@K = hits / n_relevant.
* NDCG@K uses binary gains, DCG = sum over top-K hits of 1 / log2(rank + 1), and the ideal DCG
  over min(n_relevant, K) hits.
* AP@K = sum over top-K hits at rank r of Precision@r, divided by min(n_relevant, K); MAP@K is its
  mean.
* MRR@K = 1 / the rank of the first hit in the top K (0 without one).
* Hit rate@K = 1 when the top K holds at least one hit.
* Users with no positive are not evaluated; a user with positives but no candidates scores 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

METRIC_NAMES = ["precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "mrr_at_k", "hit_rate_at_k"]


def hit_rank_metrics(
    hit_users: np.ndarray, hit_ranks: np.ndarray, n_relevant: np.ndarray, k: int
) -> dict[str, np.ndarray]:
    """The per-user metrics of METRIC_NAMES (and `hits`) from where the hits are: one entry per hit
    (user index into n_relevant, 1-based rank in the user's list; any order). n_relevant: each
    evaluated user's positives (> 0). The one implementation of the formulas above: per_user_metrics
    and the interactions path's evaluation both call it."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    n_users = len(n_relevant)
    keep = np.asarray(hit_ranks) <= k
    users, ranks = np.asarray(hit_users)[keep].astype(np.int64), np.asarray(hit_ranks)[keep].astype(np.int64)
    order = np.lexsort((ranks, users))
    users, ranks = users[order], ranks[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]]) if users.size else np.zeros(0, dtype=np.int64)
    first_of_user = np.repeat(starts, np.diff(np.r_[starts, users.size]))
    hits_so_far = np.arange(users.size) - first_of_user + 1
    hits = np.bincount(users, minlength=n_users).astype(float)
    dcg = np.bincount(users, weights=1.0 / np.log2(ranks + 1.0), minlength=n_users)
    ap_sum = np.bincount(users, weights=hits_so_far / ranks, minlength=n_users)
    first_rank = np.zeros(n_users)
    first_rank[users[starts]] = ranks[starts]
    n_rel = np.asarray(n_relevant, dtype=float)
    capped = np.minimum(n_rel, k)
    idcg = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))[capped.astype(int) - 1]
    with np.errstate(divide="ignore"):
        mrr = np.where(first_rank > 0, 1.0 / np.maximum(first_rank, 1), 0.0)
    return {
        "hits": hits,
        "precision_at_k": hits / k,
        "recall_at_k": hits / n_rel,
        "ndcg_at_k": dcg / idcg,
        "map_at_k": ap_sum / capped,
        "mrr_at_k": mrr,
        "hit_rate_at_k": (hits > 0).astype(float),
    }


def paired_bootstrap(a: np.ndarray, b: np.ndarray, resamples: int, seed: int, level: float = 0.95) -> dict:
    """Mean of a - b over users and its percentile bootstrap interval: users are resampled with
    replacement (seeded), the same users for both, so the interval says whether a beats b by more
    than the noise of which users happened to be evaluated."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if diff.size == 0:
        return {"difference": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    for r in range(resamples):  # one resample at a time: memory stays one index array
        means[r] = diff[rng.integers(0, diff.size, diff.size)].mean()
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return {"difference": float(diff.mean()), "ci_low": float(low), "ci_high": float(high)}


def gini_exposure(times_shown: np.ndarray, n_items: int) -> float:
    """Gini coefficient of exposure over a catalogue of `n_items` items, of which those in
    `times_shown` (counts of lists holding each shown item) were shown and the rest never: with the
    counts sorted ascending, x_1 <= ... <= x_n, Gini = sum((2i - n - 1) x_i) / (n sum x). 0 = every
    item shown equally, (n - 1) / n = one item gets it all; NaN when nothing is shown. The same
    formula as the interactions path's `fct_interaction_eval_summary`."""
    shown = np.sort(np.asarray(times_shown, dtype=float))
    if n_items < len(shown):
        raise ValueError(f"{len(shown)} items shown from a catalogue of {n_items}")
    total = shown.sum()
    if n_items == 0 or total == 0:
        return float("nan")
    counts = np.concatenate([np.zeros(n_items - len(shown)), shown])
    position = np.arange(1, n_items + 1)
    return float(((2 * position - n_items - 1) * counts).sum() / (n_items * total))


def list_exposure(lists: pd.DataFrame, n_catalog: int, item: str = "item_id", user: str = "user_id") -> dict:
    """What top-K lists (one row per user and listed item, already cut to K) do to the catalogue:
    coverage (distinct items listed / `n_catalog`), Gini of exposure over all `n_catalog` items,
    the most listed item (ties: the smaller id) and the share of listed users whose list holds it."""
    shown = lists.groupby(item).size()
    users_listed = int(lists[user].nunique())
    out: dict = {
        "catalog_coverage": len(shown) / n_catalog if n_catalog else float("nan"),
        "gini_exposure": gini_exposure(shown.to_numpy(), n_catalog) if n_catalog else float("nan"),
        "top_item_id": None,
        "top_item_share": float("nan"),
        "users_listed": users_listed,
    }
    if len(shown):
        top = shown.sort_index().idxmax()  # first of the largest counts in id order: the smaller id
        out["top_item_id"], out["top_item_share"] = str(top), float(shown[top] / users_listed)
    return out


def rank_within_user(df: pd.DataFrame, user: str, item: str, score: str) -> pd.Series:
    """1-based rank of each row within its user: score descending, then item ascending."""
    order = df.sort_values([user, score, item], ascending=[True, False, True], kind="mergesort")
    ranks = order.groupby(user, sort=False).cumcount() + 1
    return ranks.reindex(df.index)


def per_user_metrics(
    scored: pd.DataFrame,
    n_relevant: pd.Series,
    k: int,
    user: str = "user_id",
    item: str = "item_id",
    score: str = "score",
    label: str = "label",
) -> pd.DataFrame:
    """Metrics for every user with ``n_relevant > 0``.

    scored: one row per (user, candidate item) with a score and a 0/1 label.
    n_relevant: positives per user (index = user id), counted over all items, not only candidates.
    """
    n_relevant = n_relevant[n_relevant > 0].sort_index()  # fixed order: float means are order-sensitive
    df = scored[[user, item, score, label]].copy()
    df["rank"] = rank_within_user(df, user, item, score)
    top = df[(df["rank"] <= k) & (df[label] > 0)]
    at = n_relevant.index.get_indexer(top[user])
    found = at >= 0
    metrics = hit_rank_metrics(at[found], top["rank"].to_numpy()[found], n_relevant.to_numpy(), k)
    result = pd.DataFrame(
        {"n_relevant": n_relevant.astype(int), "hits": metrics.pop("hits").astype(int), **metrics},
        index=n_relevant.index,
    )
    result.index.name = user
    return result


def summary_metrics(
    scored: pd.DataFrame,
    n_relevant: pd.Series,
    k: int,
    n_catalog: int,
    user: str = "user_id",
    item: str = "item_id",
    score: str = "score",
    label: str = "label",
) -> dict[str, float]:
    """Mean per-user metrics, AUC over all candidate rows, and what the top K lists do to the
    catalogue (list_exposure: coverage, Gini of exposure, the most listed item's share)."""
    per_user = per_user_metrics(scored, n_relevant, k, user, item, score, label)
    out = {name: float(per_user[name].mean()) if len(per_user) else float("nan") for name in METRIC_NAMES}
    labels = scored[label].to_numpy()
    out["auc"] = float(roc_auc_score(labels, scored[score])) if 0 < labels.sum() < len(labels) else float("nan")
    ranks = rank_within_user(scored, user, item, score)
    exposure = list_exposure(scored.loc[ranks <= k], n_catalog, item, user)
    out["catalog_coverage"] = exposure["catalog_coverage"]
    out["gini_exposure"] = exposure["gini_exposure"]
    out["top_item_share"] = exposure["top_item_share"]
    out["users_evaluated"] = int(len(per_user))
    return out
