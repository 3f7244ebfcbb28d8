"""The warehouse on Spark equals the warehouse on DuckDB, row for row.

`make test-spark` builds the models on local Spark (dbt-spark, method: session; the Python models
of the domains ported to `recwarehouse.engine` run in the same SparkSession) from the same test
data and vars as the DuckDB test warehouse (`make warehouse-build`), then this module opens the
Spark metastore that build left behind and compares each key table with DuckDB's: same columns,
same row count, and after sorting both by every column, the same values (strings, dates and
integers exactly; floats to a relative 1e-9, a learned model's scores to 1e-6). Runs in
.venv-spark (it needs PySpark).
"""

from __future__ import annotations

import math
import numbers
import os
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

pyspark_sql = pytest.importorskip("pyspark.sql")

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[1]

# Weekly aggregates, as-of features, smoothed segment scores and both popularity backfills (the
# trainer candidates and the segment fill), plus everything they are built from and the other SQL
# tables whose inputs are the same on both engines; and every Python model's tables.
KEY_TABLES = [
    "staging.stg_platform__users",
    "staging.stg_platform__users_rejected",
    "staging.stg_platform__user_preferred_types",
    "staging.stg_platform__trainers",
    "staging.stg_platform__trainers_rejected",
    "staging.stg_platform__trainer_specialities",
    "staging.stg_platform__workouts",
    "staging.stg_platform__workouts_rejected",
    "staging.stg_platform__workout_tags",
    "staging.stg_platform__events",
    "staging.stg_platform__events_rejected",
    "staging.stg_platform__sessions",
    "staging.stg_platform__sessions_rejected",
    "staging.stg_platform__feedback",
    "staging.stg_platform__feedback_rejected",
    "staging.stg_platform__bookings",
    "staging.stg_platform__bookings_rejected",
    "staging.stg_platform__recommendation_feedback",
    "staging.stg_platform__recommendation_feedback_rejected",
    "intermediate.int_user_trainer_weeks_aggregated",
    "intermediate.int_target_weeks",
    "intermediate.int_user_trainer_features_as_of",
    "intermediate.int_user_features_as_of",
    "intermediate.int_trainer_features_as_of",
    "intermediate.int_trainer_speciality_flags",
    "intermediate.int_user_trainer_candidates",
    "intermediate.int_trainer_ranking_examples",
    "intermediate.int_trainer_feedback_as_of",
    "intermediate.int_trainer_rule_scores",
    "intermediate.int_cold_start_as_of",
    "intermediate.int_user_segments",
    "intermediate.int_segments_enumerated",
    "intermediate.int_segment_workouts_aggregated",
    "intermediate.int_segment_workouts_scored",
    "intermediate.int_segment_candidates_filled",
    "intermediate.int_trainer_quality_scored",
    "intermediate.int_trainer_price_features",
    "marts.dim_segments",
    "marts.fct_instructor_flags",
    "marts.fct_goal_speciality_feedback",
    # bring-your-own interactions on MovieLens 100K (CSV sources): the SQL before the learners
    "staging.stg_interactions__events",
    "staging.stg_interactions__events_rejected",
    "staging.stg_interactions__items",
    "staging.stg_interactions__item_categories",
    "intermediate.int_interactions_split",
    "intermediate.int_interaction_folds_assembled",
    "intermediate.int_interaction_targets",
    "intermediate.int_interaction_items_scored",
    "intermediate.int_interaction_users_profiled",
    "intermediate.int_interaction_user_categories",
    # Python models that run on Spark (recwarehouse.engine; the session submission method)
    "marts.fct_segment_recommendations",
    "marts.fct_segment_diversity_comparison",
    "marts.fct_segment_mmr_tradeoff",
    "marts.fct_user_cold_start_recommendations",
    "ml.ml_trainer_collaborative_candidates",
    "ml.ml_trainer_collaborative_scores",
    "ml.ml_ranker_registry",
    "marts.fct_ranker_leaderboard",
    "ml.ml_trainer_serving_scores",
    "intermediate.int_trainer_scores_scaled",
    "ml.ml_serving_selection",
    "intermediate.int_trainer_scores_blended",
    "marts.fct_trainer_recommendations",
    "marts.fct_trainer_exposure",
    "intermediate.int_trainer_rerank_candidates",
    "marts.fct_trainer_recommendations_reranked",
    "marts.fct_reranker_evaluation",
    "marts.fct_serving_evaluation",
    "ml.ml_trainer_price_bands",
    "marts.fct_trainer_price_suggestions",
    "marts.fct_price_band_evaluation",
    # the interactions learners: first stage, re-ranker, evaluation, served lists, registry
    "ml.ml_interaction_candidates",
    "intermediate.int_interaction_candidates_pooled",
    "intermediate.int_interaction_candidates_featured",
    "ml.ml_interaction_two_stage",
    "marts.fct_interaction_eval_per_user",
    "marts.fct_interaction_eval_summary",
    "marts.fct_interaction_model_choice",
    "marts.fct_interaction_model_comparison",
    "marts.fct_interaction_recommendations",
    "ml.ml_interaction_registry",
]


# Columns that differ between any two builds (timings, time stamps: the YAML says "varies run to run"),
# and what is made of them: the training settings name the feature fingerprint, which hashes the
# compiled SQL of each engine (a model is never served on features built otherwise)
ENGINE_OR_RUN_COLUMNS = {
    "ml.ml_ranker_registry": ["fit_seconds", "trained_at", "training_settings", "model_blob", "model_sha256"],
    "marts.fct_ranker_leaderboard": ["fit_seconds"],
    "ml.ml_interaction_candidates": ["fit_seconds"],
    "ml.ml_interaction_two_stage": ["fit_seconds"],
    "marts.fct_interaction_eval_summary": ["fit_seconds"],
    "ml.ml_interaction_registry": ["fit_seconds", "run_id"],
}
# Scores a learned model computes: the same model on the same features, to a relative 1e-6
SCORE_TOLERANCE = {
    "ml.ml_trainer_serving_scores": 1e-6,
    "intermediate.int_trainer_scores_scaled": 1e-6,
    "ml.ml_interaction_two_stage": 1e-6,
}


# the JVM options of profiles.yml's spark target (the cores it sees, C1 only with the default code
# cache, serial GC)
JVM_OPTIONS = (
    f"-XX:ActiveProcessorCount={os.environ.get('RECWAREHOUSE_THREADS', '2')} -XX:TieredStopAtLevel=1"
    " -XX:ReservedCodeCacheSize=240m -XX:+UseSerialGC"
)


@pytest.fixture(scope="module")
def spark():
    """A session on the metastore `make test-spark` built (same settings as profiles.yml)."""
    spark_dir = os.environ.get("RECWAREHOUSE_SPARK_DIR", str(ROOT / "spark-warehouse" / "test"))
    if not (Path(spark_dir) / "metastore_db").exists():
        pytest.fail(f"no Spark build in {spark_dir}: run `make test-spark`")
    master = os.environ.get("RECWAREHOUSE_SPARK_MASTER", f"local[{os.environ.get('RECWAREHOUSE_THREADS', '2')}]")
    session = (
        pyspark_sql.SparkSession.builder.master(master)
        .config("spark.submit.pyFiles", os.environ.get("RECWAREHOUSE_SPARK_PYFILES", ""))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", f"{spark_dir}/tables")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true",
        )
        .config("spark.driver.extraJavaOptions", f"{JVM_OPTIONS} -Dderby.system.home={spark_dir}")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .enableHiveSupport()
        .getOrCreate()
    )
    yield session
    session.stop()


def _canonical_value(value):
    """One comparable form per value: floats for numbers, ISO text for times, text otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, numbers.Number, Decimal)):
        return None if math.isnan(float(value)) else float(value)
    if hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat()
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return repr([_canonical_value(v) for v in value])
    return str(value)


def _canonical_column(column: pd.Series) -> pd.Series:
    """`_canonical_value` of every value: numbers at once (floats, NaN -> None), others value by value."""
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        floats = column.astype("float64")
        return floats.astype(object).where(floats.notna(), None)
    return column.map(_canonical_value, na_action="ignore").astype(object).where(column.notna(), None)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in name order, values canonical, rows sorted by every column (nulls last, floats
    compared to 6 decimals, so a last-digit difference cannot reorder rows)."""
    out = pd.DataFrame({c: _canonical_column(frame[c]) for c in sorted(frame.columns)}, dtype=object)
    keys = {}
    for i, column in enumerate(out.columns):
        values = out[column]
        keys[f"null_{i}"] = values.isna()
        floats = values.map(lambda v: isinstance(v, float))
        keys[f"key_{i}"] = values.where(~floats, values[floats].astype(float).round(6)) if floats.any() else values
    order = pd.DataFrame(keys).sort_values(list(keys), kind="stable", na_position="last").index
    return out.loc[order].reset_index(drop=True)


def mismatches(left: pd.DataFrame, right: pd.DataFrame, rel_tol: float = 1e-9) -> list[str]:
    problems = []
    for column in left.columns:
        for i, (a, b) in enumerate(zip(left[column], right[column], strict=True)):
            same = (
                math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-12)
                if isinstance(a, float) and isinstance(b, float)
                else a == b
            )
            if not same:
                problems.append(f"{column} row {i}: duckdb={a!r} spark={b!r}")
                break
    return problems


def test_canonical_sorting_and_tolerance_catch_differences():
    duck = pd.DataFrame({"b": [2.0, 1.0], "a": ["x", "y"]})
    same = pd.DataFrame({"a": ["y", "x"], "b": [1.0 + 1e-12, 2.0]})
    off = pd.DataFrame({"a": ["y", "x"], "b": [1.0, 2.001]})
    assert mismatches(canonical(duck), canonical(same)) == []
    assert mismatches(canonical(duck), canonical(off)) == ["b row 0: duckdb=2.0 spark=2.001"]


@pytest.mark.parametrize("table", KEY_TABLES)
def test_spark_table_equals_duckdb(table, spark, warehouse):
    skipped = ENGINE_OR_RUN_COLUMNS.get(table, [])
    duck = warehouse.execute(f"select * from {table}").df().drop(columns=skipped)
    sparkframe = spark.table(table).toPandas().drop(columns=skipped)
    assert sorted(sparkframe.columns) == sorted(duck.columns), f"{table}: columns differ"
    assert len(sparkframe) == len(duck), f"{table}: {len(sparkframe)} rows on Spark, {len(duck)} on DuckDB"
    assert len(duck) > 0 or table.endswith("_rejected"), f"{table} is empty on both engines"
    problems = mismatches(canonical(duck), canonical(sparkframe), rel_tol=SCORE_TOLERANCE.get(table, 1e-9))
    assert not problems, f"{table}: " + "; ".join(problems[:5])


def test_spark_serves_the_learned_ranker_as_duckdb_does(spark, warehouse):
    """The served lists come from the mode DuckDB's `auto` picks (a learned one on the test data),
    K distinct trainers for every known user, and the registry's chosen model is the same."""
    served = spark.sql(
        "select user_id, count(*) as n, count(distinct trainer_id) as n_distinct, "
        "min(mode_used) as min_mode, max(mode_used) as max_mode "
        "from marts.fct_trainer_recommendations group by user_id"
    ).toPandas()
    known_users = warehouse.execute("select count(*) from staging.stg_platform__users").fetchone()[0]
    k = int(warehouse.execute("select max(rank) from marts.fct_trainer_recommendations").fetchone()[0])
    assert len(served) == known_users
    assert (served["n"] == k).all() and (served["n_distinct"] == k).all()
    duck_mode = warehouse.execute("select mode from ml.ml_serving_selection where is_selected").fetchone()[0]
    assert duck_mode != "rule_based"  # the test data trains a model worth serving
    assert set(served["min_mode"]) | set(served["max_mode"]) == {duck_mode}
    chosen = "select algorithm, stage from ml.ml_ranker_registry where is_selected order by stage"
    assert [tuple(r) for r in spark.sql(chosen).collect()] == warehouse.execute(chosen).fetchall()


@pytest.mark.skipif(
    not os.environ.get("RECWAREHOUSE_SPARK_MASTER"), reason="the standalone cluster run only (make test-spark-cluster)"
)
def test_the_executors_import_the_package_shipped_to_them(spark):
    """On the standalone cluster the executors are the worker's processes, and the project's package
    reaches them as the zip in spark.submit.pyFiles, as on any cluster."""
    assert spark.sparkContext.master.startswith("spark://")

    def where_from(_):
        import recwarehouse

        return recwarehouse.__file__

    (found,) = set(spark.sparkContext.parallelize(range(2), 2).map(where_from).collect())
    assert "recwarehouse.zip" in found, found


def test_executors_missing_the_libraries_stop_the_run_in_one_line(tmp_path):
    """Executors whose Python lacks the models' libraries: the first connection names what is
    missing and what to set, before any model runs (recwarehouse.spark.session_submission)."""
    import shutil
    import subprocess
    import sys

    bare = shutil.which("python3", path="/usr/bin:/bin")
    if bare is None:
        pytest.skip("no system python3 to stand for a bare executor")
    env = {  # local Spark, whatever cluster the rest of the module ran on: this checks the connection
        **{k: v for k, v in os.environ.items() if k not in ("RECWAREHOUSE_SPARK_MASTER", "RECWAREHOUSE_SPARK_PYFILES")},
        "PYSPARK_PYTHON": bare,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "RECWAREHOUSE_SPARK_DIR": str(tmp_path / "spark"),
    }
    dbt = str(Path(sys.executable).with_name("dbt"))
    result = subprocess.run(
        [dbt, "debug", "--target", "spark", "--project-dir", str(ROOT), "--log-path", str(tmp_path / "logs")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode != 0
    line = next(line for line in result.stdout.splitlines() if "Spark's executors cannot import" in line)
    assert "pandas" in line and "PYSPARK_PYTHON" in line and "requirements-spark.lock" in line
