"""The second-stage re-ranker: similarity, the greedy diversity step, training rows, fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recwarehouse.diversify import mean_pairwise_similarity
from recwarehouse.trainer_ranking.rerank import (
    base_order_diversity,
    fallback_score,
    greedy_rerank,
    intra_list_similarity,
    jaccard_matrix,
    rerank,
    training_rows,
)

SETS = {
    "a": {"speciality:strength", "type:hiit"},
    "b": {"speciality:strength", "type:hiit"},  # a copy of a
    "c": {"speciality:yoga", "type:yoga"},
    "d": {"speciality:strength", "type:yoga"},
}
INDEX = {t: i for i, t in enumerate(sorted(SETS))}
SIM = jaccard_matrix([SETS[t] for t in sorted(SETS)])


def candidates(user: str = "u") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": user,
            "trainer_id": ["a", "b", "c", "d"],
            "base_rank": [1, 2, 3, 4],
            "model_score": [1.0, 0.95, 0.6, 0.5],
            "recency": [0.5, 0.5, 0.5, 0.5],
            "popularity": [0.5, 0.5, 0.5, 0.5],
        }
    )


def test_jaccard_by_hand() -> None:
    assert SIM[INDEX["a"], INDEX["b"]] == 1.0
    assert SIM[INDEX["a"], INDEX["c"]] == 0.0
    assert SIM[INDEX["a"], INDEX["d"]] == pytest.approx(1 / 3)  # {strength} / {strength, hiit, yoga}
    assert jaccard_matrix([set(), set()]).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_mean_pairwise_similarity_by_hand() -> None:
    sim = np.array([[1.0, 0.2, 0.4], [0.2, 1.0, 0.9], [0.4, 0.9, 1.0]])
    blocks = np.stack([sim, sim, sim, sim])
    valid = np.array([[True, True, True], [True, False, False], [True, False, True], [False, False, False]])
    ils = mean_pairwise_similarity(blocks, valid)
    assert ils[0] == pytest.approx((0.2 + 0.4 + 0.9) / 3)
    assert np.isnan(ils[1]) and np.isnan(ils[3])  # fewer than two items
    assert ils[2] == pytest.approx(0.4)  # positions 0 and 2: a gap in the list is skipped


def test_intra_list_similarity_of_user_lists_by_hand() -> None:
    lists = pd.DataFrame(
        {"user_id": ["v", "u", "u", "u", "w"], "trainer_id": ["c", "d", "a", "b", "a"], "rank": [1, 3, 1, 2, 1]}
    )
    ils = intra_list_similarity(lists, SETS)
    assert ils.index.tolist() == ["u", "v", "w"]
    assert ils["u"] == pytest.approx((1.0 + 1 / 3 + 1 / 3) / 3)  # a-b 1, a-d 1/3, b-d 1/3
    assert np.isnan(ils["v"]) and np.isnan(ils["w"])


def test_fallback_weights() -> None:
    x = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0], [0.2, 0.5, 0.5, 1.0]])
    assert fallback_score(x) == pytest.approx([0.5, 0.5, 0.1 + 0.1 + 0.1 + 0.1])


def test_greedy_step_trades_score_for_diversity_by_hand() -> None:
    # rank 1: a (0.5*1 + 0.2*.5 + 0.2*.5 + 0.1*1 = 0.8). rank 2: b = 0.475 + 0.2 + 0 (copy of a) = 0.675,
    # c = 0.3 + 0.2 + 0.1 = 0.6, d = 0.25 + 0.2 + 0.1 * (1 - 1/3) = 0.5167 -> b still wins.
    out = greedy_rerank(candidates(), SIM, INDEX, fallback_score, list_size=4)
    assert out["trainer_id"].tolist() == ["a", "b", "c", "d"]
    assert out["final_score"].tolist() == pytest.approx([0.8, 0.675, 0.6, 0.25 + 0.2 + 0.1 * (1 - 1 / 3)])
    assert out["diversity"].tolist() == pytest.approx([1.0, 0.0, 1.0, 1 - 1 / 3])
    # weigh diversity heavily and c jumps over the near-copy b
    out = greedy_rerank(candidates(), SIM, INDEX, lambda x: 0.5 * x[:, 0] + 0.5 * x[:, 3], list_size=2)
    assert out["trainer_id"].tolist() == ["a", "c"]


def test_ties_keep_the_base_order_and_users_are_independent() -> None:
    both = pd.concat([candidates("u1"), candidates("u2")], ignore_index=True)
    out = greedy_rerank(both, SIM, INDEX, lambda x: np.zeros(len(x)), list_size=3)
    assert out.groupby("user_id")["trainer_id"].apply(list).to_dict() == {"u1": ["a", "b", "c"], "u2": ["a", "b", "c"]}


def test_base_order_diversity() -> None:
    div = base_order_diversity(candidates(), SIM, INDEX)
    # a: nothing above -> 1; b: a above (copy) -> 0; c: -> 1; d: max(1/3, 1/3, sim(c, d) = 1/3) -> 2/3
    assert div.tolist() == pytest.approx([1.0, 0.0, 1.0, 2 / 3])


def test_training_rows_sample_negatives_at_the_ratio_with_a_seed() -> None:
    frame = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(30)],
            "trainer_id": "t",
            "label": [1] * 5 + [0] * 25,
            "is_explicit_positive": [True] * 5 + [False] * 25,
            "is_impressed": [True] * 28 + [False] * 2,
        }
    )
    rows = training_rows(frame, negative_ratio=2, seed=7)
    assert rows["target"].sum() == 5 and (rows["target"] == 0).sum() == 10
    assert rows.equals(training_rows(frame, negative_ratio=2, seed=7))
    assert not rows.equals(training_rows(frame, negative_ratio=2, seed=8))
    assert set(rows.loc[rows["target"] == 0, "user_id"]) <= {f"u{i}" for i in range(5, 28)}  # impressed only
    assert len(training_rows(frame, negative_ratio=100, seed=7)) == 5 + 23  # never more than exist


def test_too_few_positives_fall_back_to_the_rule() -> None:
    frame = pd.concat([candidates("u1"), candidates("u2")], ignore_index=True)
    frame["split"] = ["validation"] * 4 + ["serve"] * 4
    frame["label"] = 0
    frame["is_explicit_positive"] = [True, False, False, False] * 2
    frame["is_impressed"] = True
    lists, info = rerank(frame, SETS, list_size=3, negative_ratio=2, min_positives=100, seed=1)
    assert info["reranker"] == "rule_fallback" and set(lists["reranker"]) == {"rule_fallback"}
    expected = greedy_rerank(candidates("u2"), SIM, INDEX, fallback_score, 3)["trainer_id"].tolist()
    assert lists[lists["split"] == "serve"]["trainer_id"].tolist() == expected
    assert lists.groupby("split").size().to_dict() == {"serve": 3, "validation": 3}


def test_validation_metrics_average_over_the_users_with_lists_only() -> None:
    """Positives of users without a list (outside the validation sample) must not count as
    zeros: a hit for each listed user gives NDCG 1 on every row, over the same users."""
    from recwarehouse.trainer_ranking.rerank import evaluate_validation

    listed = ["u1", "u2"]
    blended = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2", "u2"],
            "trainer_id": ["a", "b", "a", "b"],
            "rule_score_scaled": [1.0, 0.0, 1.0, 0.0],
            "model_score_scaled": [1.0, 0.0, 1.0, 0.0],
            "mode_used": "ensemble",
        }
    )
    candidates = blended[["user_id", "trainer_id"]].assign(base_rank=[1, 2, 1, 2], newest_workout_age_days=3.0)
    reranked = candidates.rename(columns={"base_rank": "rank"}).assign(reranker="rule_fallback")
    positives = pd.DataFrame({"user_id": [*listed, "u3", "u4"], "trainer_id": ["a", "a", "a", "b"]})
    sets = {"a": {"x"}, "b": {"y"}}
    result = evaluate_validation(blended, candidates, reranked, positives, sets, k=1, ensemble_rule_weight=0.5)
    assert set(result["users_evaluated"]) == {2}
    assert set(result["ndcg_at_k"]) == {1.0}
