"""The second-stage re-ranker of the weekly trainer lists.

Input: each user's top candidates from the base stage with three features: model_score (the base
score, min-max per user), recency and popularity (see ``int_trainer_rerank_candidates``). The
fourth feature, diversity = 1 - the largest similarity to the trainers already placed, is
computed while re-ranking, greedily: at each position every remaining candidate is scored with its
diversity against the list so far, and the best is placed. Similarity between two trainers is the
Jaccard index of their sets of specialities and workout types.

Scoring is either a LightGBM LambdaRank model trained on explicit engagement (likes, long watches)
against impressed-but-ignored negatives, or, when there are fewer than ``min_positives`` positives
(or no model), the rule 0.5 model + 0.2 recency + 0.2 popularity + 0.1 diversity.
Ties go to the better base rank, so the same input gives the same list.
"""

from __future__ import annotations

from collections.abc import Callable

import lightgbm as lgb
import numpy as np
import pandas as pd

from recwarehouse.boosting import lightgbm_ranker, predicting
from recwarehouse.diversify import greedy_diversify, mean_pairwise_similarity
from recwarehouse.hashing import seeded_halves

FEATURES = ["model_score", "recency", "popularity", "diversity"]
FALLBACK_WEIGHTS = np.array([0.5, 0.2, 0.2, 0.1])
RERANK_PARAMS = {
    "objective": "lambdarank",
    "n_estimators": 50,  # four features need few trees; greedy re-ranking predicts list_size times
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_child_samples": 20,
    "reg_lambda": 1.0,
}


def jaccard_matrix(item_sets: list[set]) -> np.ndarray:
    """Pairwise Jaccard similarity of sets (two empty sets: 0)."""
    vocab = sorted(set().union(*item_sets)) if item_sets else []
    index = {t: j for j, t in enumerate(vocab)}
    m = np.zeros((len(item_sets), max(len(vocab), 1)))
    for i, s in enumerate(item_sets):
        for t in s:
            m[i, index[t]] = 1.0
    inter = m @ m.T
    sizes = m.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def fallback_score(x: np.ndarray) -> np.ndarray:
    """0.5 model_score + 0.2 recency + 0.2 popularity + 0.1 diversity (columns in FEATURES order)."""
    return x @ FALLBACK_WEIGHTS


def _pad(frame: pd.DataFrame, trainer_index: dict[str, int]):
    """(U, C) arrays of each user's candidates in base-rank order."""
    frame = frame.sort_values(["user_id", "base_rank"], kind="mergesort").reset_index(drop=True)
    users = frame["user_id"].drop_duplicates().to_numpy()
    u = pd.Categorical(frame["user_id"], categories=users).codes
    slot = frame.groupby("user_id", sort=False).cumcount().to_numpy()
    shape = (len(users), int(slot.max()) + 1 if len(frame) else 1)
    valid = np.zeros(shape, dtype=bool)
    valid[u, slot] = True
    arrays = {}
    for col in ["model_score", "recency", "popularity"]:
        a = np.zeros(shape)
        a[u, slot] = frame[col].to_numpy(dtype=float)
        arrays[col] = a
    item = np.zeros(shape, dtype=np.int64)
    item[u, slot] = frame["trainer_id"].map(trainer_index).to_numpy()
    row = np.full(shape, -1, dtype=np.int64)
    row[u, slot] = np.arange(len(frame))
    return frame, users, valid, arrays, item, row


def greedy_rerank(
    frame: pd.DataFrame,
    sim: np.ndarray,
    trainer_index: dict[str, int],
    score: Callable[[np.ndarray], np.ndarray],
    list_size: int,
) -> pd.DataFrame:
    """Place `list_size` trainers per user, each time the candidate with the best score given its
    diversity against the trainers already placed. Returns one row per placed trainer with the
    four features, the score it was placed with and its new rank."""
    frame, users, valid, arrays, item, row = _pad(frame, trainer_index)
    n_users, width = valid.shape

    def step_scores(max_sim: np.ndarray, placed_any: np.ndarray, available: np.ndarray) -> np.ndarray:
        diversity = np.where(placed_any[:, None], 1.0 - max_sim, 1.0)
        x = np.stack([arrays["model_score"], arrays["recency"], arrays["popularity"], diversity], axis=-1)
        s = np.full((n_users, width), -np.inf)
        s[available] = np.round(score(x[available]), 12)  # score only what can still be placed
        return s

    picks, scores, sims = greedy_diversify(
        valid, list_size, step_scores, lambda users_, slots: sim[item[users_, slots][:, None], item[users_]]
    )
    taken = picks >= 0
    user_of, position = np.nonzero(taken)  # by user, then rank: the first best wins a tie
    result = frame.iloc[row[user_of, picks[taken]]].reset_index(drop=True)
    result["rank"] = position + 1
    result["diversity"] = np.round(1.0 - sims[taken], 12)  # nothing placed yet: max_sim 0, diversity 1
    result["final_score"] = np.round(scores[taken], 12)
    return result.sort_values(["user_id", "rank"], kind="mergesort").reset_index(drop=True)


def base_order_diversity(frame: pd.DataFrame, sim: np.ndarray, trainer_index: dict[str, int]) -> np.ndarray:
    """Diversity of each candidate against the candidates ranked above it by the base stage: the
    training-time stand-in for 'the trainers already placed'."""
    frame_sorted, _, valid, _, item, row = _pad(frame, trainer_index)
    width = valid.shape[1]
    block = sim[item[:, :, None], item[:, None, :]]  # (U, C, C)
    above = np.tril(np.ones((width, width), dtype=bool), k=-1)[None, :, :] & valid[:, None, :]
    max_above = np.where(above, block, 0.0).max(axis=2)
    diversity = np.where(above.any(axis=2), 1.0 - max_above, 1.0)
    out = np.empty(len(frame_sorted))
    out[row[valid]] = diversity[valid]
    # back to the caller's row order
    return (
        pd.Series(out, index=frame_sorted.set_index(["user_id", "trainer_id"]).index)
        .reindex(pd.MultiIndex.from_frame(frame[["user_id", "trainer_id"]]))
        .to_numpy()
    )


def training_rows(frame: pd.DataFrame, negative_ratio: float, seed: int) -> pd.DataFrame:
    """Explicit positives, and impressed-but-not-engaged negatives sampled at `negative_ratio`
    per positive (seeded; never more negatives than exist). Other rows are dropped."""
    positives = frame[frame["is_explicit_positive"]]
    negatives = frame[frame["is_impressed"] & (frame["label"] == 0)]
    negatives = negatives.sort_values(["user_id", "trainer_id"], kind="mergesort")
    n_neg = min(len(negatives), int(round(negative_ratio * len(positives))))
    rng = np.random.default_rng(seed)
    sampled = negatives.iloc[np.sort(rng.choice(len(negatives), size=n_neg, replace=False))] if n_neg else negatives[:0]
    rows = pd.concat([positives.assign(target=1), sampled.assign(target=0)], ignore_index=True)
    return rows.sort_values(["user_id", "trainer_id"], kind="mergesort").reset_index(drop=True)


def fit_reranker(rows: pd.DataFrame, seed: int) -> lgb.LGBMRanker | None:
    """LambdaRank on the training rows (one query per user); None when no query has both labels."""
    grouped = rows.groupby("user_id")["target"].agg(["min", "max"])
    useful = grouped.index[grouped["min"] != grouped["max"]]
    rows = rows[rows["user_id"].isin(useful)]
    if rows.empty:
        return None
    groups = rows.groupby("user_id", sort=False).size().to_numpy()
    model = lightgbm_ranker(RERANK_PARAMS, seed, (len(rows), len(FEATURES)))
    model.fit(rows[FEATURES].to_numpy(dtype=float), rows["target"].to_numpy(dtype=int), group=groups)
    return predicting(model)


class SecondStage:
    """The fitted second stage: trained on the validation week's explicit engagement (a sample of
    users), it re-ranks the validation lists cross-fitted (`validation_lists`: two seeded halves of
    the users, each re-ranked by a model trained on the other half, so the before/after evaluation
    on that week is honest) and any user's serve candidates with a model trained on the whole week
    (called on a frame of whole users' candidates: `Tables.map_groups` runs it where the serve
    week's candidates are). Fewer than `min_positives` positives: the rule fallback."""

    def __init__(
        self,
        validation: pd.DataFrame,
        trainer_sets: dict[str, set],
        list_size: int,
        negative_ratio: float,
        min_positives: int,
        seed: int,
    ) -> None:
        trainers = sorted(trainer_sets)
        self.index = {t: i for i, t in enumerate(trainers)}
        self.sim = jaccard_matrix([trainer_sets[t] for t in trainers])
        self.list_size, self.seed = list_size, seed
        val = validation.reset_index(drop=True)
        self.validation = (
            val.assign(diversity=base_order_diversity(val, self.sim, self.index))
            if len(val)
            else val.assign(diversity=0.0)
        )
        self.rows = training_rows(self.validation, negative_ratio, seed) if len(val) else self.validation
        n_pos = int(self.rows["target"].sum()) if len(self.rows) else 0
        self.model = fit_reranker(self.rows, seed) if n_pos >= min_positives else None
        self.info = {
            "positives": n_pos,
            "training_rows": len(self.rows),
            "reranker": "rule_fallback" if self.model is None else "lightgbm_lambdarank",
        }

    def _finished(self, lists: pd.DataFrame) -> pd.DataFrame:
        lists["reranker"] = self.info["reranker"]
        lists["is_reranked"] = lists["rank"] != lists["base_rank"]
        return lists

    def validation_lists(self) -> pd.DataFrame:
        val = self.validation
        if not len(val):
            return self._finished(val.assign(rank=0, final_score=0.0))
        if self.model is None:
            return self._finished(greedy_rerank(val, self.sim, self.index, fallback_score, self.list_size))
        half = seeded_halves(val["user_id"], self.seed)
        row_half = seeded_halves(self.rows["user_id"], self.seed)
        parts = []
        for h in (0, 1):
            other = fit_reranker(self.rows[row_half != h], self.seed) or self.model
            parts.append(greedy_rerank(val[half == h], self.sim, self.index, other.predict, self.list_size))
        return self._finished(pd.concat(parts, ignore_index=True))

    def __call__(self, candidates: pd.DataFrame) -> pd.DataFrame:
        if candidates.empty:
            return self._finished(candidates.assign(rank=0, diversity=0.0, final_score=0.0))
        score = fallback_score if self.model is None else self.model.predict
        return self._finished(greedy_rerank(candidates, self.sim, self.index, score, self.list_size))


def rerank(
    candidates: pd.DataFrame,
    trainer_sets: dict[str, set],
    list_size: int,
    negative_ratio: float,
    min_positives: int,
    seed: int,
) -> tuple[pd.DataFrame, dict]:
    """Re-rank the validation and serve candidates on one machine (`SecondStage`)."""
    stage = SecondStage(
        candidates[candidates["split"] == "validation"], trainer_sets, list_size, negative_ratio, min_positives, seed
    )
    serve = candidates[candidates["split"] == "serve"].reset_index(drop=True)
    outputs = [stage.validation_lists()]
    if len(serve):
        outputs.append(stage(serve))
    result = pd.concat(outputs, ignore_index=True)
    return result.sort_values(["split", "user_id", "rank"], kind="mergesort").reset_index(drop=True), stage.info


def intra_list_similarity(lists: pd.DataFrame, trainer_sets: dict[str, set], rank_col: str = "rank") -> pd.Series:
    """Mean pairwise Jaccard similarity within each user's list (NaN below two items), by user."""
    trainers = sorted(trainer_sets)
    index = {t: i for i, t in enumerate(trainers)}
    sim = jaccard_matrix([trainer_sets[t] for t in trainers])
    ordered = lists.sort_values(["user_id", rank_col], kind="mergesort")
    users, row = np.unique(ordered["user_id"].to_numpy(), return_inverse=True)
    position = ordered.groupby("user_id", sort=False).cumcount().to_numpy()
    slots = np.zeros((len(users), int(position.max()) + 1 if len(position) else 1), dtype=np.int64)
    valid = np.zeros(slots.shape, dtype=bool)
    slots[row, position] = ordered["trainer_id"].map(index).to_numpy(dtype=np.int64)
    valid[row, position] = True
    blocks = sim[slots[:, :, None], slots[:, None, :]]
    return pd.Series(mean_pairwise_similarity(blocks, valid), index=users)


def evaluate_validation(
    blended: pd.DataFrame,
    candidates: pd.DataFrame,
    reranked: pd.DataFrame,
    positives: pd.DataFrame,
    trainer_sets: dict[str, set],
    k: int,
    ensemble_rule_weight: float,
    n_catalog: int | None = None,
    served: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """NDCG@k, P@k, intra-list diversity, mean item age and (given `n_catalog`) exposure —
    catalogue coverage, Gini, the most listed trainer's share — on the validation week for: the
    base stage under each mode (rule_based, model, ensemble), the base stage as served (the mode
    in use) and the re-ranked lists. Label = the user clicked, viewed or liked the trainer that
    week; positives outside a list count as misses. Accuracy averages over the same users: those
    with a positive and a list in every path; exposure is over every listed user. `served`
    (user_id, trainer_id, rank) is the lists as served, e.g. under an exposure cap; by default
    the candidates' base-stage top k."""
    from recwarehouse.metrics import list_exposure, per_user_metrics

    n_relevant = positives.groupby("user_id").size()
    truth = set(zip(positives["user_id"], positives["trainer_id"], strict=True))
    age = candidates.set_index("trainer_id")["newest_workout_age_days"].groupby(level=0).first()
    mode_used = blended["mode_used"].iloc[0] if len(blended) else "none"

    from recwarehouse.trainer_ranking.serving import top_k_lists

    lists = {}
    no_rule, no_model = blended["rule_score_scaled"].isna().all(), blended["model_score_scaled"].isna().all()
    for mode, rule_weight in (("rule_based", 1.0), ("model", 0.0), ("ensemble", ensemble_rule_weight)):
        if (no_rule and rule_weight > 0) or (no_model and rule_weight < 1):
            continue  # a score the blend needs is missing (no model trained)
        lists[(f"base stage, {mode} mode", "base", mode)] = top_k_lists(blended, rule_weight, k)
    if served is None:
        served = candidates[candidates["base_rank"] <= k].rename(columns={"base_rank": "rank"})
    served = served[served["rank"] <= k]
    lists[(f"base stage as served ({mode_used})", "base", mode_used)] = served
    reranker = reranked["reranker"].iloc[0] if len(reranked) else "none"
    lists[(f"re-ranked ({reranker})", "reranked", mode_used)] = reranked[reranked["rank"] <= k]

    # every row averages over the same users: those with a list in every evaluated path (the
    # validation week's lists may cover a seeded sample of users, the positives cover everyone)
    listed = [set(frame["user_id"]) for frame in lists.values() if len(frame)]
    common = set.intersection(*listed) if listed else set()
    n_relevant = n_relevant[n_relevant.index.isin(common)]

    rows = []
    for (name, stage, mode), frame in lists.items():
        scored = frame[["user_id", "trainer_id", "rank"]].copy()
        scored["score"] = -scored["rank"].astype(float)
        scored["label"] = [int(p in truth) for p in zip(scored["user_id"], scored["trainer_id"], strict=True)]
        per_user = per_user_metrics(scored, n_relevant, k, item="trainer_id")
        ils = intra_list_similarity(frame, trainer_sets)
        rows.append(
            {
                "list_name": name,
                "stage": stage,
                "mode": mode,
                "k": k,
                "ndcg_at_k": round(float(per_user["ndcg_at_k"].mean()), 12),
                "precision_at_k": round(float(per_user["precision_at_k"].mean()), 12),
                "intra_list_diversity": round(float(1 - ils.mean()), 12),
                "mean_item_age_days": round(float(frame["trainer_id"].map(age).mean()), 9),
                "users_evaluated": int(len(per_user)),
                "users_listed": int(frame["user_id"].nunique()),
            }
        )
        if n_catalog is not None:
            exposure = list_exposure(frame, n_catalog, item="trainer_id")
            rows[-1].update(
                catalog_coverage=exposure["catalog_coverage"],
                gini_exposure=exposure["gini_exposure"],
                top_trainer_share=exposure["top_item_share"],
            )
    return pd.DataFrame(rows)


# What fct_trainer_recommendations_reranked writes, in Spark's DDL (recwarehouse.engine)
RERANKED_SCHEMA = (
    "split string, user_id string, rank bigint, trainer_id string, trainer_name string, base_rank bigint,"
    " is_reranked boolean, reranker string, mode_used string, model_score double, recency double,"
    " popularity double, diversity double, final_score double, training_positives bigint, target_week date"
)


class with_names:  # noqa: N801 - used as a function: with_names(stage, names)(candidates)
    """A second stage's lists with the trainers' names and the count of positives it learned from:
    of whole users' candidates (re-ranked by the stage), or of lists already made (`lists=`)."""

    def __init__(self, stage: SecondStage, names: pd.DataFrame) -> None:
        self.stage, self.names = stage, names

    def __call__(self, candidates: pd.DataFrame, lists: pd.DataFrame | None = None) -> pd.DataFrame:
        lists = self.stage(candidates) if lists is None else lists
        lists = lists.merge(self.names, on="trainer_id", how="left")
        lists["training_positives"] = self.stage.info["positives"]
        return lists


# What fct_reranker_evaluation writes
RERANKER_EVALUATION_SCHEMA = (
    "list_name string, stage string, mode string, k bigint, ndcg_at_k double, precision_at_k double,"
    " intra_list_diversity double, mean_item_age_days double, users_evaluated bigint, users_listed bigint,"
    " catalog_coverage double, gini_exposure double, top_trainer_share double"
)
