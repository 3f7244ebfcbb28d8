"""The second-stage re-ranker: similarity, the greedy diversity step, training rows, fallback."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from recwarehouse.diversify import mean_pairwise_similarity
from recwarehouse.trainer_ranking.rerank import (
    Blend,
    choose_blend,
    exposure_shares,
    greedy_rerank,
    intra_list_similarity,
    jaccard_matrix,
    rerank,
    scaled_by_user,
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


def test_the_default_blend_keeps_the_base_order() -> None:
    out = greedy_rerank(candidates().assign(exposure=0.9), SIM, INDEX, Blend(), list_size=4)
    assert out["trainer_id"].tolist() == ["a", "b", "c", "d"]
    assert out["final_score"].tolist() == pytest.approx([1.0, 0.95, 0.6, 0.5])


def test_greedy_step_trades_score_for_diversity_by_hand() -> None:
    # diversity 0.5: rank 1 a (1.0 + 0.5 x 1 = 1.5). rank 2: b = 0.95 + 0.5 x 0 (a copy of a) = 0.95,
    # c = 0.6 + 0.5 x 1 = 1.1, d = 0.5 + 0.5 x (1 - 1/3) = 0.8333 -> c jumps over the near-copy b
    frame = candidates().assign(exposure=0.0)
    out = greedy_rerank(frame, SIM, INDEX, Blend(diversity=0.5), list_size=4)
    assert out["trainer_id"].tolist()[:2] == ["a", "c"]
    assert out["final_score"].tolist()[:2] == pytest.approx([1.5, 1.1])
    assert out["diversity"].tolist()[:2] == pytest.approx([1.0, 1.0])
    # rank 3: b = 0.95 + 0 (a placed), d = 0.5 + 0.5 x (1 - max(1/3, 1/3)) = 0.8333 -> b
    assert out["trainer_id"].tolist()[2:] == ["b", "d"]
    assert out["final_score"].tolist()[2:] == pytest.approx([0.95, 0.5 + 0.5 * (1 - 1 / 3)])
    # a small weight leaves the base order: b's 0.95 beats c's 0.6 + 0.1
    assert greedy_rerank(frame, SIM, INDEX, Blend(diversity=0.1), 4)["trainer_id"].tolist() == ["a", "b", "c", "d"]


def test_exposure_pushes_the_most_listed_trainer_down_by_hand() -> None:
    # a is in 90% of lists: 1.0 - 0.5 x 0.9 = 0.55 < b's 0.95 - 0 and c's 0.6 - 0
    frame = candidates().assign(exposure=[0.9, 0.0, 0.0, 0.0])
    out = greedy_rerank(frame, SIM, INDEX, Blend(exposure=0.5), list_size=4)
    assert out["trainer_id"].tolist() == ["b", "c", "a", "d"]
    assert out["final_score"].tolist() == pytest.approx([0.95, 0.6, 0.55, 0.5])


def test_a_candidate_beyond_the_exposure_cap_only_fills_a_short_list() -> None:
    # a has no slot under the cap: the default blend gives the served order (b, c, d, then a)
    frame = candidates().assign(exposure=0.0, is_within_exposure_cap=[False, True, True, True])
    assert greedy_rerank(frame, SIM, INDEX, Blend(), 4)["trainer_id"].tolist() == ["b", "c", "d", "a"]
    assert greedy_rerank(frame, SIM, INDEX, Blend(diversity=1.0), 3)["trainer_id"].tolist()[:3] == ["b", "c", "d"]


def test_the_learned_score_blends_with_the_base_score_by_hand() -> None:
    # relevance = 0.5 model_score + 0.5 learned: a 0.5, b 0.475 + 0.5 = 0.975, c 0.3 + 0.25, d 0.25 + 0.5
    frame = candidates().assign(exposure=0.0, learned=[0.0, 1.0, 0.5, 1.0])
    out = greedy_rerank(frame, SIM, INDEX, Blend(learned=0.5), list_size=4)
    assert out["trainer_id"].tolist() == ["b", "d", "c", "a"]
    assert out["final_score"].tolist() == pytest.approx([0.975, 0.75, 0.55, 0.5])


def test_exposure_shares_count_users_whose_top_k_holds_the_trainer() -> None:
    both = pd.concat([candidates("u1"), candidates("u2").assign(base_rank=[3, 1, 2, 4])], ignore_index=True)
    shares = exposure_shares(both, k=1)
    assert shares.to_dict() == {"a": 0.5, "b": 0.5}
    assert exposure_shares(both, k=2).to_dict() == {"a": 0.5, "b": 1.0, "c": 0.5}


def test_the_serve_weeks_exposure_sql_equals_the_python_shares() -> None:
    import duckdb

    from recwarehouse.trainer_ranking.rerank import EXPOSURE_SQL

    both = pd.concat([candidates("u1"), candidates("u2").assign(base_rank=[3, 1, 2, 4])], ignore_index=True)
    serve = both.assign(split="serve")
    with duckdb.connect() as con:
        con.register("candidates", pd.concat([serve, serve.assign(split="validation", user_id="v")]))
        sql = con.sql(EXPOSURE_SQL.replace("{candidates}", "candidates").replace("{k}", "2")).df()
    assert sql.set_index("trainer_id")["exposure"].sort_index().to_dict() == exposure_shares(serve, k=2).to_dict()


def test_ties_keep_the_base_order_and_users_are_independent() -> None:
    both = pd.concat([candidates("u1"), candidates("u2")], ignore_index=True).assign(model_score=0.5, exposure=0.0)
    out = greedy_rerank(both, SIM, INDEX, Blend(), list_size=3)
    assert out.groupby("user_id")["trainer_id"].apply(list).to_dict() == {"u1": ["a", "b", "c"], "u2": ["a", "b", "c"]}


def test_scaled_by_user_by_hand() -> None:
    users = pd.Series(["u", "u", "u", "v", "v"])
    assert scaled_by_user(np.array([1.0, 3.0, 2.0, 5.0, 5.0]), users).tolist() == [0.0, 1.0, 0.5, 0.0, 0.0]


def test_training_rows_are_every_candidate_of_users_with_a_positive_and_a_negative() -> None:
    frame = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u1", "u2", "u2", "u3"],
            "trainer_id": ["c", "a", "b", "a", "b", "a"],
            "label": [0, 1, 0, 0, 0, 1],  # u2 engaged with none, u3 with all: nothing to learn
            "is_impressed": [False, True, True, True, False, True],
        }
    )
    rows = training_rows(frame)
    assert rows[["user_id", "trainer_id", "target"]].values.tolist() == [["u1", "a", 1], ["u1", "b", 0], ["u1", "c", 0]]


def _grid(rows: list[tuple[Blend, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"blend": b.as_json(), "ndcg_at_k": n, "top_trainer_share": s, "intra_list_diversity": d}
            for b, n, s, d in rows
        ]
    )


def test_choose_blend_takes_the_fairest_lists_that_keep_the_ndcg() -> None:
    grid = _grid(
        [
            (Blend(), 0.400, 0.60, 0.60),
            (Blend(exposure=0.1), 0.399, 0.50, 0.61),  # keeps 99.75%: fairer and more varied
            (Blend(exposure=0.3), 0.380, 0.30, 0.62),  # fairest, but keeps only 95%
            (Blend(diversity=0.1), 0.405, 0.62, 0.70),  # better NDCG, but lists the top trainer more
            (Blend(learned=0.5, exposure=0.1), 0.400, 0.50, 0.59),  # as fair, but less varied than the base
        ]
    )
    assert choose_blend(grid)["blend"] == Blend(exposure=0.1).as_json()
    # nothing fairer keeps the NDCG: the base order
    assert choose_blend(grid.iloc[[0, 2, 3]])["blend"] == Blend().as_json()
    # a looser rule reaches the fairest
    assert choose_blend(grid, kept=0.9)["blend"] == Blend(exposure=0.3).as_json()


def test_too_few_positives_leave_the_learned_score_out() -> None:
    users = [f"u{i}" for i in range(6)]
    frame = pd.concat([candidates(u) for u in users] * 2, ignore_index=True)
    frame["split"] = ["validation"] * 24 + ["serve"] * 24
    frame["label"] = ([0, 0, 1, 0] * 6) + [0] * 24  # the validation users engaged with c
    frame["is_impressed"] = True
    lists, info = rerank(frame, SETS, list_size=3, k=2, min_positives=100, seed=1)
    assert info["reranker"] == "rule_fallback" and set(lists["reranker"]) == {"rule_fallback"}
    assert json.loads(info["blend"])["learned"] == 0.0
    assert (lists["learned"] == 0).all()
    assert lists.groupby("split").size().to_dict() == {"serve": 18, "validation": 18}
    # with enough positives a learned score is fitted, and the base order is always a choice
    lists, info = rerank(frame, SETS, list_size=3, k=2, min_positives=1, seed=1)
    assert info["reranker"] == "lightgbm_lambdarank" and info["positives"] == 6
    assert rerank(frame, SETS, list_size=3, k=2, min_positives=1, seed=1)[0].equals(lists)  # deterministic


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
