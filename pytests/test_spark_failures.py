"""A model that fails on Spark leaves its previous table readable, as a failed DuckDB build leaves
the published warehouse (the project's table materialization for Spark builds beside the old
table and swaps only when the new one is built), in a throwaway Spark folder; and the ranker
registry on Spark keeps its models when nothing changed, as on DuckDB, on the test build
(`make spark-checks` runs this module after the equality test, which holds the metastore until
it ends); and no table the size of the candidates reaches the driver. Runs in .venv-spark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark.sql")

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[1]
TABLE = "marts.fct_segment_mmr_tradeoff"
ITS_INPUT = "intermediate.int_segment_candidates_filled"

SPARK_SQL = """
import sys
from pyspark.sql import SparkSession
folder = sys.argv[1]
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
    .config("spark.sql.warehouse.dir", f"{folder}/tables")
    .config("spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={folder}/metastore_db;create=true")
    .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={folder}")
    .enableHiveSupport().getOrCreate())
for statement in sys.argv[2:]:
    rows = spark.sql(statement).collect()
print("ROWS", rows[0][0] if rows else "-")
"""


def spark_sql(folder: Path, *statements: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SPARK_SQL, str(folder), *statements],
        env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, "\n".join(line for line in result.stderr.splitlines() if "Exception" in line)[:2000]
    return result.stdout.split("ROWS", 1)[1].strip()


def dbt(
    folder: Path, *args: str, test_vars: str = "{raw_data_path: data/test, reject_share_threshold: 0.25}", **more_env
):
    env = {
        **os.environ,
        **more_env,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_TARGET_PATH": str(folder / "target"),
        "RECWAREHOUSE_PROJECT_DIR": str(ROOT),
        "RECWAREHOUSE_SPARK_DIR": str(folder),
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *args, "--target", "spark", "--vars", test_vars,
         "--log-path", str(folder / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_a_python_model_that_fails_on_spark_leaves_its_previous_table(tmp_path) -> None:
    folder = tmp_path / "spark"
    built = dbt(
        folder, "build", "--select", f"+{TABLE.split('.')[1]}", "--exclude-resource-type", "test",
        "--exclude-resource-type", "unit_test",
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:]
    before = spark_sql(folder, f"select count(*) from {TABLE}")
    assert int(before) > 0
    spark_sql(folder, f"drop table {ITS_INPUT}", f"select count(*) from {TABLE}")  # its input is gone
    failed = dbt(folder, "run", "--select", TABLE.split(".")[1])
    assert failed.returncode != 0  # the Python model cannot read its input
    assert spark_sql(folder, f"select count(*) from {TABLE}") == before  # the previous table is still there


@pytest.mark.skipif(
    not os.environ.get("RECWAREHOUSE_SPARK_TEST_VARS"), reason="needs the Spark test build (make spark-checks)"
)
def test_the_registry_on_spark_keeps_its_models_when_nothing_changed() -> None:
    folder = Path(os.environ["RECWAREHOUSE_SPARK_DIR"])
    rows = (
        "select concat_ws(',', sort_array(collect_list(concat(model_id, ':', trained_because))))"
        " from ml.ml_ranker_registry"
    )
    before = spark_sql(folder, rows)
    again = dbt(folder, "run", "--select", "ml_ranker_registry", test_vars=os.environ["RECWAREHOUSE_SPARK_TEST_VARS"])
    assert again.returncode == 0, again.stdout[-3000:]
    assert "keeping the stored models" in again.stdout and "training because" not in again.stdout
    assert spark_sql(folder, rows) == before  # the same models, kept for the same reason


# the test data's candidate-sized tables have more rows than this, even with the training weeks
# sampled down to 40 users (the candidates 8,750, the serve week's scores 11,820, the weekly rows
# 16,399); the samples the models read are bounded by the vars below (40 users' weeks, 3,000
# training rows, the collaborative models fitted on 40 users a week)
DRIVER_ROWS = 5_000
BOUNDED = (
    "{raw_data_path: data/test, reject_share_threshold: 0.25, exploration_rate: 0.2, min_candidates_per_user: 12,"
    " max_collaborative_candidates: 3, max_training_users: 40, max_training_rows: 3000, cf_max_users: 40}"
)


def test_candidate_sized_tables_never_reach_the_driver(tmp_path) -> None:
    """The Spark build of the test data, every Python model on, with the driver allowed to read at
    most DRIVER_ROWS rows at a time (`RECWAREHOUSE_SPARK_DRIVER_MAX_ROWS`, checked on every read
    onto the driver) and the samples bounded below that: it passes, so scoring, serving, the
    collaborative features, the re-ranker and the cold-start lists read nothing candidate-sized.
    With the collaborative sample at every user (16,399 weekly rows), the guard stops the model."""
    folder = tmp_path / "spark"
    limit = {"RECWAREHOUSE_SPARK_DRIVER_MAX_ROWS": str(DRIVER_ROWS)}
    built = dbt(
        folder, "build", "--exclude", "tag:interactions", "--exclude", "test_type:generic",
        "--exclude-resource-type", "unit_test", test_vars=BOUNDED, **limit,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:]
    learned = "select count(*) from marts.fct_trainer_recommendations where mode_used <> 'rule_based'"
    assert int(spark_sql(folder, learned)) > 0  # a learned ranker served, fitted on the bounded sample
    for table in ("intermediate.int_user_trainer_candidates", "ml.ml_trainer_serving_scores"):
        assert int(spark_sql(folder, f"select count(*) from {table}")) > DRIVER_ROWS  # never read whole
    unbounded = BOUNDED.replace("cf_max_users: 40", "cf_max_users: 10000")
    again = dbt(folder, "run", "--select", "ml_trainer_collaborative_scores", test_vars=unbounded, **limit)
    assert again.returncode != 0
    assert "a read onto the driver has more than 5,000 rows (RECWAREHOUSE_SPARK_DRIVER_MAX_ROWS)" in again.stdout
