"""On the test build (exploration_rate 0.2): the served lists and the registry hold together."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.warehouse


def test_exploration_slot_is_last_goal_matched_and_seeded(warehouse) -> None:
    rows = warehouse.sql(
        """
        select r.rank, e.goal_match, e.candidate_source
        from marts.fct_trainer_recommendations r
        join intermediate.int_trainer_ranking_examples e
          on e.split = 'serve' and e.user_id = r.user_id and e.trainer_id = r.trainer_id
        where r.is_exploration
        """
    ).fetchall()
    k = warehouse.sql("select max(rank) from marts.fct_trainer_recommendations").fetchone()[0]
    users = warehouse.sql("select count(distinct user_id) from marts.fct_trainer_recommendations").fetchone()[0]
    assert rows, "exploration_rate 0.2 should give some users an exploration slot"
    assert all(rank == k and goal_match == 1 for rank, goal_match, _ in rows)
    assert 0.1 < len(rows) / users < 0.3


def test_registry_has_one_serving_model_of_the_selected_algorithm(warehouse) -> None:
    rows = warehouse.sql(
        "select stage, algorithm from ml.ml_ranker_registry where is_selected order by stage"
    ).fetchall()
    assert [s for s, _ in rows] == ["candidate", "serving"] and rows[0][1] == rows[1][1]
    scored_by = warehouse.sql("select distinct model_id from marts.fct_trainer_recommendations").fetchall()
    serving_id = warehouse.sql("select model_id from ml.ml_ranker_registry where stage = 'serving'").fetchone()
    assert scored_by == [serving_id]


def test_cold_start_users_are_served(warehouse) -> None:
    (n_new,) = warehouse.sql(
        """
        select count(distinct r.user_id)
        from marts.fct_trainer_recommendations r
        join intermediate.int_user_features_as_of u
          on u.user_id = r.user_id and u.target_week = r.serve_week
        where u.is_new_user
        """
    ).fetchone()
    assert n_new > 0
