"""On the test build (exploration_rate 0.2): the served lists and the registry hold together."""

from __future__ import annotations

import math

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


def _no_training_week_build(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    db = tmp_path / "cold.duckdb"
    env = {**os.environ, "DBT_PROFILES_DIR": str(root), "RECWAREHOUSE_DB": str(db)}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--select",
         "+fct_trainer_recommendations +fct_trainer_recommendations_reranked", "--indirect-selection", "cautious",
         "--vars", "{raw_data_path: data/test, reject_share_threshold: 0.25, first_target_week: '2030-01-07',"
         " max_trainer_list_share: 0.35}",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return result, db


@pytest.fixture(scope="module")
def no_training_week_build(tmp_path_factory):
    """The build of a platform with no training week yet, started in the background when first
    asked for: the registry test asks first, so the two tests' dbt runs overlap."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(_no_training_week_build, tmp_path_factory.mktemp("cold"))
    yield future
    pool.shutdown(wait=True)


@pytest.mark.usefixtures("no_training_week_build")
def test_registry_retrains_only_when_it_has_a_reason(tmp_path) -> None:
    """On a copy of the test warehouse: running the registry again on the same data keeps the
    stored models (nothing fitted); a stored row from other settings forces a retrain, and the
    merge leaves exactly the new rows (the stale one is deleted)."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import duckdb

    root = Path(__file__).resolve().parents[1]
    db = tmp_path / "test_warehouse.duckdb"  # the same name: staging views name their catalog
    shutil.copy(os.environ["RECWAREHOUSE_TEST_DB"], db)
    env = {**os.environ, "DBT_PROFILES_DIR": str(root), "RECWAREHOUSE_TEST_DB": str(db)}
    query = "select model_id, trained_at, trained_because, model_sha256 from ml.ml_ranker_registry order by model_id"

    def registry_run() -> list[tuple]:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("dbt")), "run", "--target", "test", "--select", "ml_ranker_registry",
             "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
            cwd=root, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:]
        with duckdb.connect(str(db), read_only=True) as con:
            return con.sql(query).fetchall()

    with duckdb.connect(str(db)) as con:
        built = con.sql(query).fetchall()
    assert len(built) == 8  # seven candidates and the serving refit of the chosen one
    assert {r[2] for r in built} == {"no stored models (first build or --full-refresh)"}
    assert registry_run() == built  # same data, same settings: kept as stored

    with duckdb.connect(str(db)) as con:
        con.sql(
            "insert into ml.ml_ranker_registry select * replace ('stale-model' as model_id, '{}' as training_settings)"
            " from ml.ml_ranker_registry limit 1"
        )
    retrained = registry_run()
    assert [r[0] for r in retrained] == [r[0] for r in built]  # same data: same ids; the stale row is gone
    assert {r[2] for r in retrained} == {
        "training settings changed (vars k, random_seed, max_training_rows, ranker parameters,"
        " or what shapes the features: see int_trainer_feature_settings)"
    }
    assert min(r[1] for r in retrained) > max(r[1] for r in built)
    assert registry_run() == retrained
    with duckdb.connect(str(db), read_only=True) as con:  # incremental runs leave no staging table behind
        leftovers = con.sql("select table_name from duckdb_tables() where table_name like '%dbt_tmp%'").fetchall()
    assert leftovers == []


def test_without_training_data_serving_falls_back_to_rules_and_says_so(no_training_week_build) -> None:
    """A platform with no training week yet: the registry is empty, every served row is
    rule_based, the run log says why, and every user still gets K trainers. The build also serves
    under an exposure cap of 35% of lists (`max_trainer_list_share`): with rule scores, which
    rank trainers alike for everyone, the cap binds hardest; its data test ran in the build."""
    import duckdb

    result, db = no_training_week_build.result()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "the registry holds no trained model; falling back to rule_based" in result.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.sql("select count(*) from ml.ml_ranker_registry").fetchone()[0] == 0
    modes = con.sql("select distinct mode_used from marts.fct_trainer_recommendations").fetchall()
    assert modes == [("rule_based",)]
    per_user = con.sql("select count(*) from marts.fct_trainer_recommendations group by user_id").fetchall()
    assert {n for (n,) in per_user} == {5}
    # the re-ranker learns from the validation week's engagement, not from the base model
    reranked = con.sql(
        "select count(distinct user_id), min(mode_used), max(mode_used) from marts.fct_trainer_recommendations_reranked"
        " where split = 'serve'"
    ).fetchone()
    assert reranked == (len(per_user), "rule_based", "rule_based")
    # the cap: within it no trainer fills more than ceil(0.35 x users) lists; beyond it only short
    # lists are filled, and the most listed trainer is far below its uncapped share
    users = len(per_user)
    within = con.sql(
        "select max(n) from (select trainer_id, count(*) as n from intermediate.int_trainer_scores_blended"
        " where split = 'serve' and served_rank <= 5 and is_within_exposure_cap group by trainer_id)"
    ).fetchone()[0]
    assert within <= math.ceil(0.35 * users)
    uncapped_top = con.sql(
        "select max(n) from (select trainer_id, count(*) as n from intermediate.int_trainer_scores_blended"
        " where split = 'serve' and base_rank <= 5 group by trainer_id)"
    ).fetchone()[0]
    served_top = con.sql(
        "select max(n) from (select trainer_id, count(*) as n from marts.fct_trainer_recommendations group by 1)"
    ).fetchone()[0]
    assert served_top < uncapped_top


def test_collaborative_candidates_are_added_on_top_of_the_other_sources(warehouse) -> None:
    """The test build asks for 3 collaborative candidates per user (`max_collaborative_candidates`):
    they appear as their own source only where no other source has the trainer, come from the
    Python model's top 3, and a served one says why."""
    added, outside_top = warehouse.sql(
        """
        select
            count(*),
            count(*) filter (where collaborative.cf_rank is null or collaborative.cf_rank > 3)
        from intermediate.int_user_trainer_candidates as candidates
        left join ml.ml_trainer_collaborative_candidates as collaborative
            on candidates.target_week = collaborative.target_week
            and candidates.user_id = collaborative.user_id
            and candidates.trainer_id = collaborative.trainer_id
        where candidates.candidate_source = 'collaborative'
        """
    ).fetchone()
    assert added > 0 and outside_top == 0
    served = warehouse.sql(
        "select reasons from marts.fct_trainer_recommendations where candidate_source = 'collaborative'"
    ).fetchall()
    assert all("people who engaged with your trainers also engaged with them" in r for (r,) in served)
