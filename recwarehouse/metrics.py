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
* Users with no positive are not evaluated; a user with positives but no candidates scores 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

METRIC_NAMES = ["precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "hit_rate_at_k"]


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
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    n_relevant = n_relevant[n_relevant > 0].sort_index()  # fixed order: float means are order-sensitive
    df = scored[[user, item, score, label]].copy()
    df["rank"] = rank_within_user(df, user, item, score)
    top = df[(df["rank"] <= k) & (df[label] > 0)].copy()
    top["gain"] = 1.0 / np.log2(top["rank"] + 1.0)
    top["hits_so_far"] = top.sort_values([user, "rank"]).groupby(user).cumcount() + 1
    top["precision_at_rank"] = top["hits_so_far"] / top["rank"]
    agg = top.groupby(user).agg(hits=(label, "size"), dcg=("gain", "sum"), ap_sum=("precision_at_rank", "sum"))
    out = agg.reindex(n_relevant.index).fillna(0.0)
    n_rel = n_relevant.astype(float)
    capped = np.minimum(n_rel, k)
    discounts = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))
    idcg = discounts[capped.astype(int) - 1]
    result = pd.DataFrame(
        {
            "n_relevant": n_relevant.astype(int),
            "hits": out["hits"].astype(int),
            "precision_at_k": out["hits"] / k,
            "recall_at_k": out["hits"] / n_rel,
            "ndcg_at_k": out["dcg"] / idcg,
            "map_at_k": out["ap_sum"] / capped,
            "hit_rate_at_k": (out["hits"] > 0).astype(float),
        },
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
    """Mean per-user metrics, AUC over all candidate rows, and catalogue coverage of the top K."""
    per_user = per_user_metrics(scored, n_relevant, k, user, item, score, label)
    out = {name: float(per_user[name].mean()) if len(per_user) else float("nan") for name in METRIC_NAMES}
    labels = scored[label].to_numpy()
    out["auc"] = float(roc_auc_score(labels, scored[score])) if 0 < labels.sum() < len(labels) else float("nan")
    ranks = rank_within_user(scored, user, item, score)
    out["catalog_coverage"] = scored.loc[ranks <= k, item].nunique() / n_catalog if n_catalog else float("nan")
    out["users_evaluated"] = int(len(per_user))
    return out
