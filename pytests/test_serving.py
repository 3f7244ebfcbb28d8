"""Choosing how the trainer lists are served, on the lists as served (hand-computed cases)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recwarehouse.metrics import gini_exposure
from recwarehouse.trainer_ranking.serving import (
    choose_rule_weight,
    evaluate_lists,
    mode_of,
    model_fallback_reason,
    select_serving,
    serving_evaluation,
    top_k_lists,
)


def test_gini_of_exposure_by_hand() -> None:
    # 4 items, shown 0, 0, 1, 3 times: sorted x = 0,0,1,3; sum (2i - n - 1) x_i = 1*1 + 3*3 = 10;
    # n * sum x = 4 * 4 = 16 -> 0.625
    assert gini_exposure(np.array([3, 1]), 4) == pytest.approx(0.625)
    assert gini_exposure(np.array([2, 2, 2]), 3) == pytest.approx(0.0)  # equal exposure
    assert gini_exposure(np.array([5]), 5) == pytest.approx(4 / 5)  # one item gets it all: (n-1)/n
    assert math.isnan(gini_exposure(np.array([]), 3))
    with pytest.raises(ValueError, match="catalogue of 1"):
        gini_exposure(np.array([1, 1]), 1)


def test_mode_of_a_rule_weight() -> None:
    assert [mode_of(w) for w in (0.0, 0.3, 1.0)] == ["model", "ensemble", "rule_based"]


def frame() -> pd.DataFrame:
    """Two users, three candidates each. Rule prefers a, model prefers c (user 1)."""
    return pd.DataFrame(
        {
            "user_id": ["u1"] * 3 + ["u2"] * 3,
            "trainer_id": ["a", "b", "c"] * 2,
            "rule_score_scaled": [1.0, 0.5, 0.0, 1.0, 0.0, 0.5],
            "model_score_scaled": [0.0, 0.5, 1.0, 0.0, 1.0, 0.5],
        }
    )


def test_top_k_lists_blend_and_break_ties_by_trainer_id() -> None:
    rule = top_k_lists(frame(), 1.0, 2)
    assert rule.values.tolist() == [["u1", "a", 1], ["u1", "b", 2], ["u2", "a", 1], ["u2", "c", 2]]
    model = top_k_lists(frame(), 0.0, 1)
    assert model.values.tolist() == [["u1", "c", 1], ["u2", "b", 1]]
    # at 0.5 every candidate of u1 scores 0.5: ties go to the smaller trainer id
    half = top_k_lists(frame(), 0.5, 3)
    assert half[half["user_id"] == "u1"]["trainer_id"].tolist() == ["a", "b", "c"]


def test_evaluate_lists_by_hand() -> None:
    lists = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2", "u2", "u3", "u3"],
            "trainer_id": ["a", "b", "a", "c", "a", "b"],
            "rank": [1, 2] * 3,
        }
    )
    # u1: its positive b at rank 2; u2: positives c (rank 2) and d (not listed); u3 has none
    positives = pd.DataFrame({"user_id": ["u1", "u2", "u2"], "trainer_id": ["b", "c", "d"]})
    n_relevant = positives.groupby("user_id").size()
    out = evaluate_lists(lists, positives, n_relevant, k=2, n_catalog=4)
    # NDCG: u1 (1/log2 3) / 1; u2 (1/log2 3) / (1 + 1/log2 3)
    g = 1 / math.log2(3)
    assert out["ndcg_at_k"] == pytest.approx((g + g / (1 + g)) / 2)
    assert out["precision_at_k"] == pytest.approx(0.5)
    assert out["recall_at_k"] == pytest.approx((1 + 0.5) / 2)
    assert out["hit_rate_at_k"] == pytest.approx(1.0)
    assert out["users_evaluated"] == 2 and out["users_listed"] == 3
    # exposure: a 3, b 2, c 1, d 0 -> coverage 3/4; Gini: sorted 0,1,2,3 -> (-3*0 - 1*1 + 1*2 + 3*3) / (4*6)
    assert out["catalog_coverage"] == pytest.approx(0.75)
    assert out["gini_exposure"] == pytest.approx(10 / 24)
    assert out["top_trainer_id"] == "a" and out["top_trainer_share"] == pytest.approx(1.0)


def test_the_top_trainer_tie_goes_to_the_smaller_id() -> None:
    lists = pd.DataFrame({"user_id": ["u1", "u2"], "trainer_id": ["z", "b"], "rank": [1, 1]})
    out = evaluate_lists(lists, lists.iloc[:0], pd.Series(dtype=int), k=1, n_catalog=2)
    assert out["top_trainer_id"] == "b" and out["top_trainer_share"] == pytest.approx(0.5)
    assert math.isnan(out["ndcg_at_k"]) and out["users_evaluated"] == 0


def evaluated(ndcg: dict[float, float], users: int = 100) -> pd.DataFrame:
    return pd.DataFrame({"rule_weight": list(ndcg), "ndcg_at_k": list(ndcg.values()), "users_evaluated": users})


GRID = [0.0, 0.5, 1.0]


def test_auto_keeps_the_best_and_names_the_runner_up() -> None:
    weight, why = choose_rule_weight(evaluated({0.0: 0.40, 0.5: 0.42, 1.0: 0.30}), "auto", 0.6, GRID, 0.0, 50)
    assert weight == 0.5
    assert "validation NDCG@K 0.4200" in why and "runner-up rule weight 0 (model) 0.4000" in why


def test_auto_prefers_more_rule_weight_within_the_tolerance() -> None:
    scores = evaluated({0.0: 0.42, 0.5: 0.415, 1.0: 0.30})
    assert choose_rule_weight(scores, "auto", 0.6, GRID, 0.0, 50)[0] == 0.0
    weight, why = choose_rule_weight(scores, "auto", 0.6, GRID, 0.01, 50)
    assert weight == 0.5 and "within serving_rule_weight_tolerance 0.01 of the best, 0.4200" in why
    # an exact tie goes to the larger rule weight even with no tolerance
    assert choose_rule_weight(evaluated({0.0: 0.4, 0.5: 0.4, 1.0: 0.3}), "auto", 0.6, GRID, 0.0, 50)[0] == 0.5


def test_auto_chooses_among_the_grid_only() -> None:
    scores = evaluated({0.0: 0.40, 0.5: 0.41, 0.6: 0.50, 1.0: 0.30})  # 0.6 = ensemble_rule_weight, off the grid
    assert choose_rule_weight(scores, "auto", 0.6, GRID, 0.0, 50)[0] == 0.5


def test_auto_with_too_few_users_serves_the_ensemble_and_says_so() -> None:
    weight, why = choose_rule_weight(evaluated({0.0: 0.9, 0.6: 0.1}, users=49), "auto", 0.6, GRID, 0.0, 50)
    assert weight == 0.6 and "only 49 validation users with a label" in why


def test_fixed_modes_serve_as_asked() -> None:
    scores = evaluated({0.0: 0.5, 0.6: 0.1, 1.0: 0.2})
    assert choose_rule_weight(scores, "rule_based", 0.6, GRID, 0.0, 50)[0] == 1.0
    assert choose_rule_weight(scores, "model", 0.6, GRID, 0.0, 50)[0] == 0.0
    assert choose_rule_weight(scores, "ensemble", 0.6, GRID, 0.0, 50)[0] == 0.6
    with pytest.raises(ValueError, match="recommendation_mode"):
        choose_rule_weight(scores, "best", 0.6, GRID, 0.0, 50)


def registry(chosen_ndcg: float | None, popularity_ndcg: float = 0.2) -> pd.DataFrame:
    if chosen_ndcg is None:
        return pd.DataFrame({"stage": [], "algorithm": [], "is_selected": [], "ndcg_at_k": []})
    return pd.DataFrame(
        {
            "stage": ["candidate", "candidate", "serving"],
            "algorithm": ["lightgbm_lambdarank", "popularity", "lightgbm_lambdarank"],
            "is_selected": [True, False, True],
            "ndcg_at_k": [chosen_ndcg, popularity_ndcg, chosen_ndcg],
        }
    )


def test_the_model_falls_back_to_rules_when_it_cannot_serve() -> None:
    assert "the registry holds no trained model; falling back to rule_based" in model_fallback_reason(
        registry(None), "auto", 1.0
    )
    assert "below min_model_lift 1.5 x popularity's 0.2000" in model_fallback_reason(registry(0.25), "model", 1.5)
    assert model_fallback_reason(registry(0.35), "auto", 1.5) is None
    assert model_fallback_reason(registry(None), "rule_based", 1.0) is None


def test_select_serving_evaluates_the_grid_and_marks_one_row() -> None:
    positives = pd.DataFrame({"user_id": ["u1", "u2"], "trainer_id": ["c", "b"]})  # what the model ranks first
    out = select_serving(frame(), positives, None, "auto", 0.6, GRID, 0.0, 1, k=1, n_catalog=3)
    assert out["rule_weight"].tolist() == [0.0, 0.5, 0.6, 1.0]
    assert out["mode"].tolist() == ["model", "ensemble", "ensemble", "rule_based"]
    assert out.loc[out["is_selected"], "rule_weight"].tolist() == [0.0]
    assert out.loc[out["rule_weight"] == 0.0, "ndcg_at_k"].item() == pytest.approx(1.0)
    assert out.loc[out["rule_weight"] == 1.0, "ndcg_at_k"].item() == pytest.approx(0.0)
    fallback = select_serving(frame(), positives, "no model", "auto", 0.6, GRID, 0.0, 1, k=1, n_catalog=3)
    assert fallback["rule_weight"].tolist() == [1.0] and fallback["is_selected"].all()
    assert fallback["selection_reason"].iloc[0] == "no model"


def test_the_serving_evaluation_puts_served_and_reranked_beside_the_blends() -> None:
    positives = pd.DataFrame({"user_id": ["u1", "u2"], "trainer_id": ["c", "b"]})
    selection = select_serving(frame(), positives, None, "auto", 0.6, GRID, 0.0, 1, k=1, n_catalog=3)
    served = top_k_lists(frame(), 0.0, 1)
    reranked = pd.DataFrame(
        {"user_id": ["u1", "u1", "u2", "u2"], "trainer_id": ["a", "c", "b", "a"], "rank": [1, 2, 1, 2]}
    ).assign(reranker="rule_fallback")
    out = serving_evaluation(selection, served, reranked, positives, frame()["user_id"], 3, {"a": "Ann", "b": "Bo"})
    by_stage = out.set_index("list_name")
    assert by_stage.loc["as served: rule weight 0 (model)", "ndcg_at_k"] == pytest.approx(1.0)
    assert by_stage.loc["re-ranked (rule_fallback), top 1 of 2", "ndcg_at_k"] == pytest.approx(0.5)  # u2 only
    assert out.loc[out["stage"] == "served", "is_selected"].all()
    assert by_stage.loc["base stage, rule weight 1 (rule_based)", "top_trainer_name"] == "Ann"
    capped = serving_evaluation(selection, served, reranked, positives, frame()["user_id"], 3, {}, exposure_cap=0.35)
    assert "as served: rule weight 0 (model), exposure cap 35% of lists" in set(capped["list_name"])


def test_without_model_scores_only_the_rule_lists_are_evaluated() -> None:
    positives = pd.DataFrame({"user_id": ["u1"], "trainer_id": ["a"]})
    no_model = frame().assign(model_score_scaled=float("nan"))
    for requested in ("rule_based", "auto"):
        out = select_serving(no_model, positives, None, requested, 0.6, GRID, 0.0, 1, k=1, n_catalog=3)
        assert out["rule_weight"].tolist() == [1.0] and out["is_selected"].all()
