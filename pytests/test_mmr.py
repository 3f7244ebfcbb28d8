"""MMR re-ranking of the cold-start lists, checked against cases worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recwarehouse.cold_start.mmr import intra_list_similarity, mmr_select, mmr_tradeoff, rerank_segments, tag_vectors

# one segment, three candidates in input order; 0 and 1 are near-copies (sim 0.9)
REL = np.array([[1.0, 0.9, 0.5]])
SIM = np.array([[[1.0, 0.9, 0.0], [0.9, 1.0, 0.1], [0.0, 0.1, 1.0]]])


def test_known_case_by_hand() -> None:
    # step 1: MMR = 0.5 * rel = (0.5, 0.45, 0.25)                         -> pick 0
    # step 2: 1: 0.45 - 0.5 * 0.9 = 0.0;   2: 0.25 - 0.5 * 0.0 = 0.25       -> pick 2
    # step 3: 1: 0.45 - 0.5 * max(0.9, 0.1) = 0.0                          -> pick 1
    picks, scores, sims = mmr_select(REL, SIM, k=3, lam=0.5)
    assert picks.tolist() == [[0, 2, 1]]
    assert scores[0] == pytest.approx([0.5, 0.25, 0.0])
    assert sims[0] == pytest.approx([0.0, 0.0, 0.9])


def test_lambda_one_is_pure_relevance_order() -> None:
    rel = np.array([[0.3, 0.9, 0.5, 0.7]])
    sim = np.ones((1, 4, 4))  # everything identical: only relevance can matter
    picks, _, _ = mmr_select(rel, sim, k=4, lam=1.0)
    assert picks.tolist() == [[1, 3, 2, 0]]


def test_lambda_zero_picks_the_most_dissimilar() -> None:
    # the first pick has nothing to differ from: all tie at 0, so input order decides (0);
    # then 2 (similarity 0 to 0) beats 1 (0.9); then 1 is all that is left
    picks, scores, _ = mmr_select(REL, SIM, k=3, lam=0.0)
    assert picks.tolist() == [[0, 2, 1]]
    assert scores[0] == pytest.approx([0.0, 0.0, -0.9])
    # with four candidates the second pick is the one least like the first
    sim = np.array([[[1, 0.8, 0.3, 0.6], [0.8, 1, 0.5, 0.5], [0.3, 0.5, 1, 0.2], [0.6, 0.5, 0.2, 1]]])
    picks, _, _ = mmr_select(np.array([[1.0, 0.9, 0.8, 0.7]]), sim, k=2, lam=0.0)
    assert picks.tolist() == [[0, 2]]


def test_ties_go_to_the_earlier_candidate() -> None:
    rel = np.array([[0.5, 0.5, 0.5]])
    sim = np.zeros((1, 3, 3))
    for _ in range(3):  # the same answer every time
        picks, _, _ = mmr_select(rel, sim, k=3, lam=0.5)
        assert picks.tolist() == [[0, 1, 2]]
    # floating-point noise below 1e-12 does not break a tie
    picks, _, _ = mmr_select(np.array([[0.3, 0.1 + 0.2]]), np.zeros((1, 2, 2)), k=1, lam=1.0)
    assert picks.tolist() == [[0]]


def test_a_lower_tier_is_used_up_before_the_next() -> None:
    rel = np.array([[0.2, 1.0, 0.9]])
    tier = np.array([[0, 1, 1]])
    picks, _, _ = mmr_select(rel, np.zeros((1, 3, 3)), k=2, lam=0.5, tier=tier)
    assert picks.tolist() == [[0, 1]]


def test_fewer_valid_candidates_than_k_leaves_empty_slots() -> None:
    valid = np.array([[True, True, False]])
    picks, scores, _ = mmr_select(REL, SIM, k=3, lam=0.5, valid=valid)
    assert picks.tolist() == [[0, 1, -1]]
    assert np.isnan(scores[0, 2])


def test_segments_are_independent_when_vectorised() -> None:
    rel = np.vstack([REL, REL[:, ::-1]])
    sim = np.concatenate([SIM, SIM[:, ::-1, ::-1]])
    together, _, _ = mmr_select(rel, sim, k=3, lam=0.5)
    alone = [mmr_select(rel[i : i + 1], sim[i : i + 1], k=3, lam=0.5)[0][0].tolist() for i in range(2)]
    assert together.tolist() == alone


def test_lambda_outside_unit_interval_is_rejected() -> None:
    with pytest.raises(ValueError, match="lambda"):
        mmr_select(REL, SIM, k=1, lam=1.5)


def test_tag_vectors_match_hand_computed_tfidf_cosine() -> None:
    # smooth idf over the n = 4 catalogue workouts (d has no tags but is a document):
    # idf(x) = ln(5/3) + 1 = 1.510826 (df 2), idf(y) = ln(5/2) + 1 = 1.916291 (df 1)
    # cos(a, b) = idf(x) / sqrt(idf(x)^2 + idf(y)^2) = 1.510826 / 2.440239 = 0.619130
    tags = pd.DataFrame({"workout_id": ["a", "a", "b", "c"], "tag": ["x", "y", "x", "z"]})
    vectors = tag_vectors(tags, ["a", "b", "c", "d"])
    cos = vectors @ vectors.T
    assert cos[0, 1] == pytest.approx(0.6191302965)
    assert cos[0, 2] == 0.0
    assert cos[0, 0] == pytest.approx(1.0)
    assert not vectors[3].any()  # no tags: a zero vector


def test_intra_list_similarity_is_the_mean_pairwise_similarity() -> None:
    picks = np.array([[0, 1, 2], [0, -1, -1]])
    sim = np.concatenate([SIM, SIM])
    ils = intra_list_similarity(sim, picks)
    assert ils[0] == pytest.approx((0.9 + 0.0 + 0.1) / 3)
    assert np.isnan(ils[1])


def test_rerank_segments_end_to_end() -> None:
    # segment s1: w1 and w2 share every tag, w3 differs -> MMR puts w3 second
    tags = pd.DataFrame({"workout_id": ["w1", "w1", "w2", "w2", "w3", "w4"], "tag": ["a", "b", "a", "b", "c", "d"]})
    candidates = pd.DataFrame(
        {
            "segment_key": ["s1", "s1", "s1", "s2"],
            "workout_id": ["w1", "w2", "w3", "w4"],
            "candidate_order": [1, 2, 3, 1],
            "tier": [0, 0, 0, 3],
            "relevance": [1.0, 0.95, 0.6, 1.0],
            "score": [0.8, 0.76, 0.48, 0.5],
            "source_level": ["segment", "segment", "segment", "everyone"],
        }
    )
    lists, comparison = rerank_segments(candidates, tags, ["w1", "w2", "w3", "w4"], k=2, lam=0.5)
    assert lists[["segment_key", "rank", "workout_id"]].values.tolist() == [
        ["s1", 1, "w1"],
        ["s1", 2, "w3"],
        ["s2", 1, "w4"],
    ]
    row = comparison.set_index("segment_key").loc["s1"]
    assert row["plain_intra_list_similarity"] == pytest.approx(1.0)  # w1, w2
    assert row["mmr_intra_list_similarity"] == pytest.approx(0.0)  # w1, w3
    assert row["relevance_kept"] == pytest.approx(1.6 / 1.95)
    assert row["workouts_changed"] == 1
    with pytest.raises(ValueError, match="missing from the catalogue"):
        rerank_segments(candidates, tags, ["w1"], k=2, lam=0.5)


def _same_tags_two_trainers() -> tuple[pd.DataFrame, pd.DataFrame]:
    # w1..w3 by trainer A, w4 by trainer B; no tags in common, so tags alone never separate them
    tags = pd.DataFrame({"workout_id": ["w1", "w2", "w3", "w4"], "tag": ["a", "b", "c", "d"]})
    candidates = pd.DataFrame(
        {
            "segment_key": ["s1"] * 4,
            "workout_id": ["w1", "w2", "w3", "w4"],
            "trainer_id": ["A", "A", "A", "B"],
            "candidate_order": [1, 2, 3, 4],
            "tier": [0, 0, 0, 0],
            "relevance": [1.0, 0.9, 0.8, 0.5],
        }
    )
    return tags, candidates


def test_same_trainer_similarity_spreads_a_list_over_instructors() -> None:
    tags, candidates = _same_tags_two_trainers()
    catalogue = ["w1", "w2", "w3", "w4"]
    plain, comparison = rerank_segments(candidates, tags, catalogue, k=2, lam=0.5)
    assert plain["workout_id"].tolist() == ["w1", "w2"]  # tags alone: the two most relevant, one trainer
    assert comparison["mmr_distinct_trainers"].iloc[0] == 1
    # with s = 0.6, w2's MMR = 0.5 * 0.9 - 0.5 * 0.6 = 0.15 < w4's 0.5 * 0.5 - 0 = 0.25
    spread, comparison = rerank_segments(candidates, tags, catalogue, k=2, lam=0.5, same_trainer_similarity=0.6)
    assert spread["workout_id"].tolist() == ["w1", "w4"]
    assert spread["max_similarity_to_earlier"].tolist() == [0.0, 0.0]
    row = comparison.iloc[0]
    assert (row["plain_distinct_trainers"], row["mmr_distinct_trainers"]) == (1, 2)
    assert row["mmr_intra_list_similarity"] == pytest.approx(0.0)  # reported on tags alone
    assert row["relevance_kept"] == pytest.approx(1.5 / 1.9)
    # s = 0.2: w2 = 0.45 - 0.1 = 0.35 still beats w4's 0.25
    kept, _ = rerank_segments(candidates, tags, catalogue, k=2, lam=0.5, same_trainer_similarity=0.2)
    assert kept["workout_id"].tolist() == ["w1", "w2"]
    with pytest.raises(ValueError, match="same-trainer similarity"):
        rerank_segments(candidates, tags, catalogue, k=2, lam=0.5, same_trainer_similarity=1.5)


def test_mmr_tradeoff_one_row_per_lambda_and_lambda_one_is_the_plain_list() -> None:
    tags, candidates = _same_tags_two_trainers()
    table = mmr_tradeoff(candidates, tags, ["w1", "w2", "w3", "w4"], 2, [1.0, 0.5, 0.5], 0.6)
    assert table["mmr_lambda"].tolist() == [0.5, 1.0]
    by_lambda = table.set_index("mmr_lambda")
    assert by_lambda.loc[1.0, "mean_relevance_kept"] == pytest.approx(1.0)
    assert by_lambda.loc[1.0, "mean_distinct_trainers"] == 1
    assert by_lambda.loc[1.0, "segments_with_at_most_two_trainers"] == 1
    assert by_lambda.loc[0.5, "mean_relevance_kept"] == pytest.approx(1.5 / 1.9)
    assert by_lambda.loc[0.5, "mean_distinct_trainers"] == 2
    assert (table["same_trainer_similarity"] == 0.6).all()
