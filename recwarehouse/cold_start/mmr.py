"""Maximal marginal relevance (MMR) re-ranking of the cold-start segment lists.

For each segment, greedily pick ``k`` of its candidates by

    MMR(d) = lam * Rel(d) - (1 - lam) * max_{s in S} sim(d, s)

where S is what has been picked so far (the max is 0 while S is empty), Rel is the candidate's
relevance in [0, 1] and sim is the cosine of the TF-IDF vectors of the workouts' tags. With
``same_trainer_similarity`` s > 0 (var `mmr_same_trainer_similarity`), two workouts of the same
instructor are at least s similar: sim = max(tag cosine, s * same trainer), so MMR also spreads a
list over instructors. The comparison columns always report the tag similarity alone, so lists
built with and without the trainer term are compared on the same scale.

Candidates carry a ``tier`` (0 = the segment's own evidence, 1..3 = parents that fill a sparse
segment): a candidate of a higher tier is picked only when no lower-tier candidate is left, so
filling never displaces a segment's own workouts. Ties (equal MMR to 12 decimals) go to the
candidate that comes first in the input order: lower tier, higher relevance, then workout id.

Everything is vectorised across segments: one (segments x candidates) array per quantity and one
(segments x candidates x candidates) similarity block, so the loop runs ``k`` times, not
``segments x k`` times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from recwarehouse.diversify import greedy_diversify, mean_pairwise_similarity

TIER_PENALTY = 10.0  # larger than any MMR spread (MMR lies in [-1, 1])


def tag_vectors(tags: pd.DataFrame, workout_ids: list[str] | np.ndarray) -> np.ndarray:
    """L2-normalised TF-IDF vectors of each workout's tags, rows in ``workout_ids`` order.

    ``tags`` is long: one row per (workout_id, tag). Each whole tag is one term ("low impact"
    stays one term). IDF is fitted on the workouts given, i.e. the catalogue. A workout without
    tags gets a zero vector (similarity 0 to everything)."""
    ids = list(workout_ids)
    by_workout = tags.groupby("workout_id")["tag"].apply(lambda s: sorted(set(s))).to_dict()
    docs = [by_workout.get(w, []) for w in ids]
    if not any(docs):
        return np.zeros((len(ids), 1))
    vectoriser = TfidfVectorizer(analyzer=lambda doc: doc, norm="l2", sublinear_tf=False)
    return vectoriser.fit_transform(docs).toarray()


def similarity_blocks(vectors: np.ndarray, index: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(S, C, C) cosine similarities among each segment's candidates (0 where a slot is empty)."""
    block = vectors[np.where(valid, index, 0)]  # (S, C, F)
    block = block * valid[..., None]
    return np.einsum("scf,sdf->scd", block, block)


def mmr_select(
    relevance: np.ndarray, sim: np.ndarray, k: int, lam: float, tier: np.ndarray | None = None, valid=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy MMR for S segments at once.

    relevance: (S, C) in [0, 1]; sim: (S, C, C); tier: (S, C) ints (default all 0); valid: (S, C)
    bools (default all True). Candidates must be in tie-break order along axis 1.
    Returns (picked index, MMR score at pick, max similarity to earlier picks), each (S, k);
    index -1 (and NaN scores) where a segment has fewer than k valid candidates."""
    relevance = np.asarray(relevance, dtype=float)
    tier = np.zeros_like(relevance) if tier is None else np.asarray(tier, dtype=float)
    valid = np.ones(relevance.shape, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"mmr lambda must be in [0, 1], got {lam}")

    def step_scores(max_sim: np.ndarray, _placed: np.ndarray, _available: np.ndarray) -> np.ndarray:
        return np.round(lam * relevance - (1.0 - lam) * max_sim, 12) - TIER_PENALTY * tier

    picks, _, sims = greedy_diversify(valid, k, step_scores, lambda rows, slots: sim[rows, slots, :])
    taken = picks >= 0
    scores = np.full(picks.shape, np.nan)
    chosen_relevance = np.take_along_axis(relevance, np.maximum(picks, 0), axis=1)
    scores[taken] = np.round(lam * chosen_relevance - (1.0 - lam) * sims, 12)[taken]  # MMR, before the tier penalty
    return picks, scores, sims


def intra_list_similarity(sim: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Mean pairwise similarity inside each segment's list (lower = more diverse); NaN below 2
    items. `sim` is (segments x C x C), `picks` (segments x k) candidate slots, -1 for none."""
    slots = np.maximum(picks, 0)
    rows = np.arange(picks.shape[0])[:, None, None]
    return mean_pairwise_similarity(sim[rows, slots[:, :, None], slots[:, None, :]], picks >= 0)


def same_trainer_blocks(trainer: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(S, C, C) booleans: both slots hold a candidate and the two candidates share a trainer."""
    both = valid[:, :, None] & valid[:, None, :]
    return both & (trainer[:, :, None] == trainer[:, None, :]) & (trainer[:, :, None] >= 0)


def _to_arrays(candidates: pd.DataFrame, vectors: np.ndarray, position: dict[str, int]):
    """Pad each segment's candidates (in candidate_order) into (S, C) arrays; ``trainer`` holds
    trainer codes (-1 where a slot is empty or the trainer is unknown)."""
    frame = candidates.sort_values(["segment_key", "candidate_order"], kind="mergesort").reset_index(drop=True)
    segments = frame["segment_key"].drop_duplicates().to_numpy()
    slot = frame.groupby("segment_key", sort=False).cumcount().to_numpy()
    seg = pd.Categorical(frame["segment_key"], categories=segments).codes
    width = int(slot.max()) + 1 if len(frame) else 1
    shape = (len(segments), width)
    valid = np.zeros(shape, dtype=bool)
    valid[seg, slot] = True
    relevance = np.zeros(shape)
    relevance[seg, slot] = frame["relevance"].to_numpy(dtype=float)
    tier = np.zeros(shape)
    tier[seg, slot] = frame["tier"].to_numpy(dtype=float)
    index = np.zeros(shape, dtype=np.int64)
    index[seg, slot] = frame["workout_id"].map(position).to_numpy()
    row_of = np.full(shape, -1, dtype=np.int64)
    row_of[seg, slot] = np.arange(len(frame))
    trainer = np.full(shape, -1, dtype=np.int64)
    if "trainer_id" in frame:
        trainer[seg, slot] = pd.Categorical(frame["trainer_id"]).codes
    sim = similarity_blocks(vectors, index, valid)
    return frame, segments, valid, relevance, tier, sim, row_of, trainer


def _mmr_similarity(sim: np.ndarray, trainer: np.ndarray, valid: np.ndarray, same_trainer_similarity: float):
    """The similarity MMR penalises: the tag cosine, raised to s for two workouts of one trainer."""
    if not 0.0 <= same_trainer_similarity <= 1.0:
        raise ValueError(f"same-trainer similarity must be in [0, 1], got {same_trainer_similarity}")
    if same_trainer_similarity == 0:
        return sim
    return np.maximum(sim, same_trainer_similarity * same_trainer_blocks(trainer, valid))


def distinct_trainers(trainer: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Distinct trainers in each segment's list."""
    chosen = np.where(picks >= 0, np.take_along_axis(trainer, np.maximum(picks, 0), axis=1), -1)
    return np.array([len(set(row[row >= 0])) for row in chosen], dtype=np.int64)


def _prepared(candidates: pd.DataFrame, tags: pd.DataFrame, catalogue: list[str]):
    position = {w: i for i, w in enumerate(catalogue)}
    missing = sorted(set(candidates["workout_id"]) - set(position))
    if missing:
        raise ValueError(f"candidates name workouts missing from the catalogue: {missing[:5]}")
    return _to_arrays(candidates, tag_vectors(tags, catalogue), position)


def _plain_top(valid: np.ndarray, k: int) -> np.ndarray:
    """The plain top-k: the first k candidates in candidate order (tier, then score)."""
    plain = np.full((valid.shape[0], k), -1, dtype=np.int64)
    m = min(k, valid.shape[1])
    plain[:, :m] = np.where(valid[:, :m], np.arange(m)[None, :], -1)
    return plain


def _relevance_sum(relevance: np.ndarray, picks: np.ndarray) -> np.ndarray:
    return np.where(picks >= 0, np.take_along_axis(relevance, np.maximum(picks, 0), axis=1), 0.0).sum(axis=1)


def rerank_segments(
    candidates: pd.DataFrame,
    tags: pd.DataFrame,
    catalogue: list[str],
    k: int,
    lam: float,
    same_trainer_similarity: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MMR lists for every segment, and the comparison with the plain top-k.

    candidates: one row per (segment_key, workout_id) with candidate_order, tier, relevance and
    the columns carried to the output (score, source_level, trainer_id, is_instructor_flagged).
    Returns (lists, comparison)."""
    frame, segments, valid, relevance, tier, sim, row_of, trainer = _prepared(candidates, tags, catalogue)
    mmr_sim = _mmr_similarity(sim, trainer, valid, same_trainer_similarity)
    picks, scores, sims = mmr_select(relevance, mmr_sim, k, lam, tier=tier, valid=valid)

    seg_idx, rank_idx = np.nonzero(picks >= 0)
    chosen_rows = row_of[seg_idx, picks[seg_idx, rank_idx]]
    lists = frame.iloc[chosen_rows].reset_index(drop=True)
    lists.insert(1, "rank", rank_idx + 1)
    lists["mmr_score"] = np.round(scores[seg_idx, rank_idx], 12)
    lists["max_similarity_to_earlier"] = np.round(sims[seg_idx, rank_idx], 12)

    plain = _plain_top(valid, k)
    rel_plain = _relevance_sum(relevance, plain)
    rel_mmr = _relevance_sum(relevance, picks)
    counts = (picks >= 0).sum(axis=1)
    comparison = pd.DataFrame(
        {
            "segment_key": segments,
            "list_size": counts,
            "plain_intra_list_similarity": np.round(intra_list_similarity(sim, plain), 12),
            "mmr_intra_list_similarity": np.round(intra_list_similarity(sim, picks), 12),
            "plain_mean_relevance": np.round(rel_plain / np.maximum(counts, 1), 12),
            "mmr_mean_relevance": np.round(rel_mmr / np.maximum(counts, 1), 12),
            "relevance_kept": np.round(
                np.where(rel_plain > 0, rel_mmr / np.where(rel_plain > 0, rel_plain, 1), 1.0), 12
            ),
            "workouts_changed": [
                len(set(picks[s][picks[s] >= 0]) - set(plain[s][plain[s] >= 0])) for s in range(len(segments))
            ],
            "plain_distinct_trainers": distinct_trainers(trainer, plain),
            "mmr_distinct_trainers": distinct_trainers(trainer, picks),
        }
    )
    return lists, comparison


def mmr_tradeoff(
    candidates: pd.DataFrame,
    tags: pd.DataFrame,
    catalogue: list[str],
    k: int,
    lambdas: list[float],
    same_trainer_similarity: float = 0.0,
) -> pd.DataFrame:
    """One row per lambda: the segment lists' mean tag intra-list similarity, the share of the
    plain top-k's relevance kept, mean distinct trainers per list and the segments whose list
    shows at most two trainers. lambda = 1 is the plain top-k by relevance."""
    frame, segments, valid, relevance, tier, sim, row_of, trainer = _prepared(candidates, tags, catalogue)
    mmr_sim = _mmr_similarity(sim, trainer, valid, same_trainer_similarity)
    rel_plain = _relevance_sum(relevance, _plain_top(valid, k))
    rows = []
    for lam in sorted({float(x) for x in lambdas}):
        picks, _, _ = mmr_select(relevance, mmr_sim, k, lam, tier=tier, valid=valid)
        kept = np.where(rel_plain > 0, _relevance_sum(relevance, picks) / np.where(rel_plain > 0, rel_plain, 1), 1.0)
        trainers = distinct_trainers(trainer, picks)
        rows.append(
            {
                "mmr_lambda": lam,
                "same_trainer_similarity": float(same_trainer_similarity),
                "segments": len(segments),
                "mean_intra_list_similarity": round(float(np.nanmean(intra_list_similarity(sim, picks))), 12),
                "mean_relevance_kept": round(float(kept.mean()), 12),
                "mean_distinct_trainers": round(float(trainers.mean()), 12),
                "segments_with_at_most_two_trainers": int((trainers <= 2).sum()),
            }
        )
    return pd.DataFrame(rows)


# What the cold-start Python models write, in Spark's DDL (recwarehouse.engine): one table on both engines
SEGMENT_LIST_SCHEMA = (
    "segment_key string, rank bigint, workout_id string, workout_title string, workout_type string,"
    " trainer_id string, trainer_name string, score double, relevance double, mmr_score double,"
    " max_similarity_to_earlier double, source_level string, tier int, is_instructor_flagged boolean,"
    " as_of_date date"
)
SEGMENT_COMPARISON_SCHEMA = (
    "segment_key string, list_size bigint, plain_intra_list_similarity double, mmr_intra_list_similarity double,"
    " plain_mean_relevance double, mmr_mean_relevance double, relevance_kept double, workouts_changed bigint,"
    " plain_distinct_trainers bigint, mmr_distinct_trainers bigint, mmr_lambda double, same_trainer_similarity double"
)


class segment_lists:  # noqa: N801 - used as a function: segment_lists(...)(candidates)
    """The served lists of whole segments' candidates (`rerank_segments`), with the workouts' and
    trainers' names and the as-of date: a function of a frame of candidates, for
    `Tables.map_groups` (segments are independent; the tag vectors read the whole catalogue)."""

    def __init__(self, tags, workouts, trainers, as_of_date, k: int, lam: float, same_trainer_similarity: float):
        self.tags, self.workouts, self.trainers, self.as_of_date = tags, workouts, trainers, as_of_date
        self.k, self.lam, self.same_trainer_similarity = k, lam, same_trainer_similarity

    def __call__(self, candidates: pd.DataFrame) -> pd.DataFrame:
        catalogue = sorted(self.workouts["workout_id"])
        lists, _ = rerank_segments(
            candidates,
            self.tags,
            catalogue,
            k=self.k,
            lam=self.lam,
            same_trainer_similarity=self.same_trainer_similarity,
        )
        lists["as_of_date"] = self.as_of_date
        lists = lists.merge(self.workouts, on="workout_id", how="left").merge(
            self.trainers, on="trainer_id", how="left"
        )
        return lists


class segment_comparison:  # noqa: N801 - used as a function: segment_comparison(...)(candidates)
    """Per segment, the MMR list against the plain top-k (`rerank_segments`'s comparison), for
    `Tables.map_groups`."""

    def __init__(self, tags, catalogue: list[str], k: int, lam: float, same_trainer_similarity: float):
        self.tags, self.catalogue = tags, catalogue
        self.k, self.lam, self.same_trainer_similarity = k, lam, same_trainer_similarity

    def __call__(self, candidates: pd.DataFrame) -> pd.DataFrame:
        _, comparison = rerank_segments(
            candidates, self.tags, self.catalogue, k=self.k, lam=self.lam,
            same_trainer_similarity=self.same_trainer_similarity,
        )  # fmt: skip
        comparison["mmr_lambda"] = self.lam
        comparison["same_trainer_similarity"] = self.same_trainer_similarity
        return comparison
