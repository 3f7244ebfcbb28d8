"""The same data and vars give the same tables: the test warehouse built a second time, with
everything on two threads (`make reproducibility-build`: DuckDB's pool, so every parallel
aggregate meets its rows in another order, and the Python models' BLAS and LightGBM, on another
thread count than the first build's on a 2-core `make test`), equals the first in every table and
column, bit for bit, except the columns documented as varying run to run (timings and the run's
own time stamps). The data tests' stored failures
(`dbt_test__audit`) are the first build's alone: the second builds the models only."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.warehouse

ROOT = Path(__file__).resolve().parents[1]
VARYING = "varies run to run"


def columns_varying_run_to_run() -> set[tuple[str, str]]:
    """(model, column) pairs whose description says they vary run to run: the one list of them."""
    found = set()
    for path in ROOT.glob("models/**/*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            for column in model.get("columns", []):
                if VARYING in " ".join(str(column.get("description", "")).split()):
                    found.add((model["name"], column["name"]))
    return found


def test_the_varying_columns_are_only_timings_and_time_stamps() -> None:
    assert {column for _, column in columns_varying_run_to_run()} == {
        "fit_seconds",
        "recorded_at",
        "trained_at",
        "run_id",
    }


@pytest.fixture(scope="module")
def both_builds():
    first = os.environ.get("RECWAREHOUSE_TEST_DB")
    again = os.environ.get("RECWAREHOUSE_TEST_AGAIN_DB")
    if not (first and again and Path(first).exists() and Path(again).exists()):
        pytest.fail("no second test warehouse: run `make test` (it builds both, `make reproducibility-build`)")
    # each attached under its own file's name: the builds' views name their catalog after it
    assert Path(first).stem != Path(again).stem
    con = duckdb.connect()
    for path in (first, again):
        con.execute(f"attach '{path}' (read_only)")
    yield con, Path(first).stem, Path(again).stem
    con.close()


def tables_of(con: duckdb.DuckDBPyConnection, database: str) -> dict[tuple[str, str], list[str]]:
    rows = con.execute(
        "select schema_name, table_name, list(column_name order by column_index) from duckdb_columns()"
        " where database_name = ? and internal = false and schema_name <> 'dbt_test__audit' group by 1, 2",
        [database],
    ).fetchall()
    return {(schema, table): columns for schema, table, columns in rows}


def test_a_second_build_gives_the_same_tables_bit_for_bit(both_builds) -> None:
    con, first_name, again_name = both_builds
    first, again = tables_of(con, first_name), tables_of(con, again_name)
    assert set(first) == set(again)
    assert len(first) > 50  # every schema: staging views, intermediate, ml and marts tables
    varying = columns_varying_run_to_run()
    differing = []
    for (schema, table), columns in sorted(first.items()):
        assert again[(schema, table)] == columns, f"{schema}.{table}: the columns differ"
        compared = ", ".join(f'"{c}"' for c in columns if (table, c) not in varying)
        for one, other in [(first_name, again_name), (again_name, first_name)]:
            query = (
                f'select count(*) from (select {compared} from {one}."{schema}"."{table}"'
                f' except all select {compared} from {other}."{schema}"."{table}")'
            )
            if con.sql(query).fetchone()[0]:
                columns_differing = [
                    c
                    for c in columns
                    if (table, c) not in varying
                    and con.sql(
                        f'select count(*) from (select "{c}" from {one}."{schema}"."{table}"'
                        f' except all select "{c}" from {other}."{schema}"."{table}")'
                    ).fetchone()[0]
                ]
                differing.append(f"{schema}.{table} ({', '.join(columns_differing)})")
                break
    assert not differing, f"tables that differ between two builds of the same data: {differing}"
