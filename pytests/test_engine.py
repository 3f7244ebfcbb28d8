"""The engine layer's DuckDB side (`recwarehouse.engine`): what a model's function sees does not
depend on how the rows are batched. The Spark side is checked against it table by table
(pytests/test_spark_equality.py)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from recwarehouse import engine
from recwarehouse.engine import DuckDBTables


def _table(connection, rows: int = 1_000) -> object:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"user_id": [f"u{i:03d}" for i in rng.integers(0, 97, rows)], "value": rng.random(rows)})
    connection.from_df(frame).create("rows")
    return connection.table("rows")


def _per_user(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.groupby("user_id", as_index=False).agg(n=("value", "size"), total=("value", "sum"))


@pytest.mark.parametrize("batch", [1, 7, 64, 5_000])
def test_map_groups_hands_whole_groups_whatever_the_batch(monkeypatch, batch) -> None:
    """DuckDB streams the rows in key order batch by batch: every call gets all of a key's rows
    (a group never split across calls), so per-group results equal one call on everything."""
    connection = duckdb.connect()
    table = _table(connection)
    data = DuckDBTables(None, connection)
    calls = []

    def counted(rows: pd.DataFrame) -> pd.DataFrame:
        calls.append(len(rows))
        return _per_user(rows)

    monkeypatch.setattr(engine, "BATCH_ROWS", batch)
    got = data.map_groups(table, "user_id", counted, "user_id string, n bigint, total double")
    expected = _per_user(data.read(table))
    assert got.sort_values("user_id").reset_index(drop=True)[["user_id", "n"]].equals(expected[["user_id", "n"]])
    assert np.allclose(got.sort_values("user_id")["total"], expected["total"], rtol=1e-12)
    assert got["user_id"].is_unique  # no group in two calls
    assert sum(calls) == 1_000 and (len(calls) > 2) == (batch < 500)


def test_map_groups_of_no_rows_is_an_empty_table_of_the_schema() -> None:
    connection = duckdb.connect()
    table = _table(connection)
    got = DuckDBTables(None, connection).map_groups(
        table, "user_id", _per_user, "user_id string, n bigint, total double", where="false"
    )
    assert got.empty and list(got.columns) == ["user_id", "n", "total"]
