"""CSV exports to the contract's Parquet (`recwarehouse.convert_csv`, the converter
docs/platform-data.md shows): the contract's types, list columns split, ids kept as text, and a
clear line for a missing file or column or a value of the wrong type."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from recwarehouse.convert_csv import contract_tables, convert

SAMPLE = {
    "varchar": "007",
    "varchar[]": " yoga | HIIT ||",
    "timestamp": "2026-01-05 10:00:00",
    "date": "2026-01-05",
    "double": "1.5",
    "integer": "3",
    "boolean": "true",
}


def _exports(folder: Path, skip: set[str] = frozenset(), bad: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table in contract_tables():
        if table["name"] in skip:
            continue
        names = [name for name, _ in table["columns"]]
        row = [SAMPLE[kind] for _, kind in table["columns"]]
        if bad and table["name"] in bad:
            column, value = bad[table["name"]]
            row[names.index(column)] = value
        with open(folder / f"{table['name']}.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            writer.writerow(row)
    return folder


def test_every_table_gets_the_contracts_types_and_lists(tmp_path) -> None:
    out = tmp_path / "parquet"
    written = convert(_exports(tmp_path / "csv"), out)
    tables = contract_tables()
    assert written == [t["name"] for t in tables]
    connection = duckdb.connect()
    for table in tables:
        relation = connection.read_parquet(str(out / f"{table['name']}.parquet"))
        found = {name: str(kind).lower() for name, kind in zip(relation.columns, relation.types, strict=True)}
        assert found == {name: kind for name, kind in table["columns"]}, table["name"]
    users = connection.read_parquet(str(out / "users.parquet")).fetchone()
    assert users[0] == "007"  # an id stays text
    assert users[[name for name, _ in tables[0]["columns"]].index("preferred_types")] == ["yoga", "HIIT"]


def test_optional_tables_may_be_missing_and_required_ones_may_not(tmp_path) -> None:
    optional = {t["name"] for t in contract_tables() if t["optional"]}
    assert optional == {"bookings", "recommendation_feedback"}
    written = convert(_exports(tmp_path / "a", skip=optional), tmp_path / "out_a")
    assert not optional & set(written)
    with pytest.raises(ValueError, match=r"events\.csv: missing \(the contract's table events is required\)"):
        convert(_exports(tmp_path / "b", skip={"events"}), tmp_path / "out_b")


def test_a_missing_column_stops_and_a_bad_value_is_said_and_kept_as_null(tmp_path) -> None:
    folder = _exports(tmp_path / "c")
    (folder / "trainers.csv").write_text("trainer_id,name\nt1,Ann\n")
    with pytest.raises(ValueError, match=r"trainers\.csv: column 'specialities' is missing"):
        convert(folder, tmp_path / "out_c")
    said = []
    convert(_exports(tmp_path / "d", bad={"trainers": ("rating", "four")}), tmp_path / "out_d", warn=said.append)
    assert len(said) == 1 and "column 'rating' are not a double (e.g. 'four')" in said[0]
    rating = duckdb.sql(f"select rating from read_parquet('{tmp_path / 'out_d' / 'trainers.parquet'}')").fetchone()
    assert rating == (None,)
