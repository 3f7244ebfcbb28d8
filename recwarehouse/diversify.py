"""The greedy loop behind every diversified list of the project (MMR for the cold-start segments,
the second-stage re-ranker for trainers): each row (a segment, a user) builds its list one slot
at a time, taking the candidate with the best score given its similarity to what it already
took. Vectorised across rows: the loop runs once per list position."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# scores(max_sim, placed_any, available) -> (rows, width) scores; only available slots are read
StepScores = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
# similarity(rows, slots) -> (len(rows), width): each row's taken slot against all of its slots
SlotSimilarity = Callable[[np.ndarray, np.ndarray], np.ndarray]


def greedy_diversify(
    available: np.ndarray, k: int, scores: StepScores, similarity: SlotSimilarity
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick up to `k` slots per row of `available` (rows x width bools).

    Each step scores every slot with `scores(max_sim, placed_any, available)`, where `max_sim` is
    the slot's largest similarity to the row's earlier picks (0 before the first) and `placed_any`
    whether the row has picked yet; the first best available slot wins (the input order breaks
    ties). Returns (picked slot, score at pick, max_sim at pick), each rows x k; -1 and NaN where
    a row runs out of candidates."""
    available = np.array(available, dtype=bool)
    n_rows, width = available.shape
    rows = np.arange(n_rows)
    max_sim = np.zeros((n_rows, width))
    placed_any = np.zeros(n_rows, dtype=bool)
    picks = np.full((n_rows, k), -1, dtype=np.int64)
    picked_scores = np.full((n_rows, k), np.nan)
    picked_sims = np.full((n_rows, k), np.nan)
    for step in range(min(k, width)):
        step_scores = np.where(available, scores(max_sim, placed_any, available), -np.inf)
        j = step_scores.argmax(axis=1)  # the first maximum
        ok = np.isfinite(step_scores[rows, j])
        picks[ok, step] = j[ok]
        picked_scores[ok, step] = step_scores[rows, j][ok]
        picked_sims[ok, step] = max_sim[rows, j][ok]
        available[rows[ok], j[ok]] = False
        placed_any |= ok
        max_sim[ok] = np.maximum(max_sim[ok], similarity(rows[ok], j[ok]))
    return picks, picked_scores, picked_sims


def mean_pairwise_similarity(blocks: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Intra-list similarity: the mean similarity over the pairs of each row's list (lower = more
    diverse); NaN for a list of fewer than 2 items. `blocks` (rows x L x L) holds each row's
    similarities between its list positions, `valid` (rows x L) which positions hold an item.
    The one definition behind the cold-start segments' lists and the trainer lists."""
    blocks = np.asarray(blocks, dtype=float)
    valid = np.asarray(valid, dtype=bool)
    width = valid.shape[1]
    pairs = valid[:, :, None] & valid[:, None, :] & np.triu(np.ones((width, width), dtype=bool), 1)
    n_pairs = pairs.sum(axis=(1, 2))
    total = np.where(pairs, blocks, 0.0).sum(axis=(1, 2))
    out = np.full(len(valid), np.nan)
    np.divide(total, n_pairs, out=out, where=n_pairs > 0)
    return out
