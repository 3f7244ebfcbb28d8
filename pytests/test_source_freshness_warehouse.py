"""`dbt source freshness` on the platform's activity tables: each is judged by its newest
`loaded_at_field` timestamp against the var thresholds (`source_warn_after_days`,
`source_error_after_days`). The test data is generated for a fixed past window, so with a warning
threshold of one day and an error threshold wider than its age every table warns: both thresholds
come from the vars. Runs against a scratch DuckDB file: the sources are read from Parquet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
DATA = ROOT / "data" / "test_clean"
STAMPS = {
    "events": "event_at",
    "sessions": "started_at",
    "feedback": "feedback_at",
    "bookings": "booked_at",
    "recommendation_feedback": "given_at",
}

pytestmark = pytest.mark.warehouse


@pytest.fixture(scope="module")
def freshness(tmp_path_factory) -> tuple[int, dict[str, dict]]:
    out = tmp_path_factory.mktemp("freshness")
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_TEST_DB": str(out / "scratch.duckdb")}
    result = subprocess.run(
        [DBT, "source", "freshness", "--target", "test", "--target-path", str(out / "target"),
         "--log-path", str(out / "logs"),
         "--vars", f"{{raw_data_path: '{DATA}', source_warn_after_days: 1, source_error_after_days: 100000}}"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    sources = out / "target" / "sources.json"
    assert sources.exists(), result.stdout[-3000:]
    results = json.loads(sources.read_text())["results"]
    return result.returncode, {r["unique_id"].rsplit(".", 1)[1]: r for r in results}


def test_the_activity_tables_and_only_they_are_checked(freshness) -> None:
    assert set(freshness[1]) == set(STAMPS)


def test_both_thresholds_come_from_the_vars(freshness) -> None:
    returncode, results = freshness
    assert returncode == 0  # a warning does not fail the command
    for table, result in results.items():
        assert result["status"] == "warn", (table, result["status"])
        assert result["criteria"]["warn_after"] == {"count": 1, "period": "day"}
        assert result["criteria"]["error_after"] == {"count": 100000, "period": "day"}


def test_freshness_reads_each_tables_own_timestamp(freshness) -> None:
    for table, column in STAMPS.items():
        (newest,) = duckdb.sql(f"select max({column}) from read_parquet('{DATA / table}.parquet')").fetchone()
        reported = freshness[1][table]["max_loaded_at"]
        assert reported.startswith(newest.isoformat()[:19]), (table, reported, newest)
