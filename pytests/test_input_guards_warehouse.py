"""Input that once broke the build or slipped through it: free-text specialities in generated SQL,
files of the wrong type or with no rows, and week settings that do not fit the data. Each stops
with one message naming what is wrong, or builds as it should."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from recwarehouse.demo.catalog import RAW_TABLES as TABLES

pytestmark = pytest.mark.warehouse

ROOT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
CLEAN = ROOT / "data" / "test_clean"


def dbt_run(tmp_path: Path, raw: Path, selection: str, extra_vars: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(tmp_path / "guard.duckdb")}
    return subprocess.run(
        [DBT, "build", "--select", selection, "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
         "--vars", f"{{raw_data_path: '{raw}'{extra_vars}}}",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def raw_copy(tmp_path: Path, replace: dict[str, str] | None = None) -> Path:
    """The clean test data, with some tables rewritten by a DuckDB query over the original file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for table in TABLES:
        source = CLEAN / f"{table}.parquet"
        if replace and table in replace:
            query = replace[table].format(src=f"read_parquet('{source}')")
            duckdb.sql(f"copy ({query}) to '{raw / f'{table}.parquet'}' (format parquet)")
        else:
            shutil.copy(source, raw / f"{table}.parquet")
    return raw


# every case: (tables rewritten by a DuckDB query over the clean file, files removed, selection, extra vars)
CASES = {
    "wrong_types": (
        {
            "events": "select * replace (cast(watch_fraction as varchar) as watch_fraction,"
            " cast(event_at as varchar) as event_at) from {src}",
            "trainers": "select * exclude (rating) from {src}",
        },
        ["sessions"],
        "+stg_platform__events +stg_platform__trainers",
        "",
    ),
    "empty_events": ({"events": "select * from {src} limit 0"}, [], "+stg_platform__events", ""),
    # bookings and recommendation feedback are optional: without their files they stage as empty
    # tables while the rest fails
    "validation_week_after_data": (
        {},
        ["bookings", "recommendation_feedback"],
        "+int_target_weeks +stg_platform__bookings +stg_platform__recommendation_feedback",
        ", validation_week: '2030-01-07'",
    ),
    "serve_week_before_validation": ({}, [], "+int_target_weeks", ", serve_week: '2026-01-12'"),
    "serve_week_long_after_data": ({}, [], "+int_target_weeks", ", serve_week: '2030-01-07'"),
    "segment_date_before_sessions": ({}, [], "+int_cold_start_as_of", ", segment_as_of_date: '2001-01-01'"),
}


@pytest.fixture(scope="module")
def guard_runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """Every case's raw copy and dbt run, the runs started side by side (dbt's start-up is most of
    each run's time); each case has its own folder and warehouse file."""
    from concurrent.futures import ThreadPoolExecutor

    from recwarehouse import threads

    raws = {}
    for name, (replace, removed, _, _) in CASES.items():
        folder = tmp_path_factory.mktemp(name)
        raws[name] = (folder, raw_copy(folder, replace))
        for table in removed:
            (raws[name][1] / f"{table}.parquet").unlink()
    with ThreadPoolExecutor(max_workers=threads()) as pool:
        futures = {
            name: pool.submit(dbt_run, folder, raw, CASES[name][2], CASES[name][3])
            for name, (folder, raw) in raws.items()
        }
        return {name: (raws[name][1], future.result()) for name, future in futures.items()}


def test_wrong_column_types_stop_before_any_model_with_file_column_and_types(guard_runs) -> None:
    raw, result = guard_runs["wrong_types"]
    assert result.returncode != 0
    out = result.stdout
    assert (
        f"{raw}/events.parquet (source platform.events): column 'watch_fraction' should be double, found VARCHAR" in out
    )
    assert f"{raw}/events.parquet (source platform.events): column 'event_at' should be timestamp, found VARCHAR" in out
    assert f"{raw}/trainers.parquet (source platform.trainers): column 'rating' is missing (expected double)" in out
    assert f"{raw}/sessions.parquet (source platform.sessions): file not found" in out
    assert "START sql" not in out and "START seed" not in out  # stopped before any node


def test_an_empty_events_file_is_named(guard_runs) -> None:
    raw, result = guard_runs["empty_events"]
    assert result.returncode != 0
    assert f"{raw}/events.parquet (source platform.events): the table is empty (it has no rows)" in result.stdout


def test_a_validation_week_after_the_data_stops_naming_the_var_and_the_range(guard_runs) -> None:
    raw, result = guard_runs["validation_week_after_data"]
    with duckdb.connect() as con:
        last_week = con.sql(f"select max(date_trunc('week', event_at))::date from read_parquet('{raw}/events.parquet')")
        last_week = last_week.fetchone()[0]
    assert result.returncode != 0
    assert "validation_week = 2030-01-07 (var validation_week) is after the last week of data" in result.stdout
    assert f".. {last_week})" in result.stdout

    for table in ["bookings", "recommendation_feedback"]:
        assert f"{raw}/{table}.parquet (source platform.{table}) is not there: it is optional" in result.stdout
        staged = re.search(rf"OK created sql view model staging\.stg_platform__{table} ", result.stdout)
        assert staged, result.stdout[-3000:]

    _, result = guard_runs["serve_week_before_validation"]
    assert result.returncode != 0
    assert re.search(r"serve_week = 2026-01-12 \(var serve_week\) must be after validation_week = \d{4}", result.stdout)

    _, result = guard_runs["serve_week_long_after_data"]
    assert result.returncode != 0
    assert (
        "serve_week = 2030-01-07 (var serve_week) is more than 4 weeks (var max_serve_weeks_after_data) after the"
        " last week of data" in result.stdout
    )


def test_a_segment_date_before_any_session_is_named(guard_runs) -> None:
    _, result = guard_runs["segment_date_before_sessions"]
    assert result.returncode != 0
    assert "segment_as_of_date = 2001-01-01 (var segment_as_of_date) is before the first session" in result.stdout


def test_free_text_specialities_get_safe_distinct_columns_and_a_readable_map(warehouse) -> None:
    """The test data has trainers with `Women's health, yoga`, `瑜伽`, an emoji and a 20,000
    character speciality: they build, each has its own bounded [a-z0-9_] column, and the map
    says which column is which."""
    mapping = dict(
        warehouse.sql("select speciality, column_name from intermediate.int_trainer_speciality_columns").fetchall()
    )
    for text in ["women's_health", "瑜伽", "🧘", "x" * 20_000]:
        assert text in mapping, text
    assert mapping["women's_health"].startswith("sp__women_s_health__")
    assert mapping["瑜伽"] != mapping["🧘"]
    assert all(re.fullmatch(r"sp__[a-z0-9_]{1,58}", c) for c in mapping.values())
    assert len(set(mapping.values())) == len(mapping)
    flag_columns = [
        c
        for (c,) in warehouse.sql(
            "select column_name from (describe intermediate.int_trainer_speciality_flags)"
        ).fetchall()
    ]
    assert sorted(flag_columns[1:]) == sorted(mapping.values())
    women = mapping["women's_health"]
    assert warehouse.sql(
        f"select {women} from intermediate.int_trainer_speciality_flags where trainer_id = 't_edge_0'"
    ).fetchone() == (1,)
