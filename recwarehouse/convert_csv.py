"""CSV exports to the platform contract's Parquet files, with the contract's types.

    python -m recwarehouse.convert_csv exports/ data/mine              # users.csv ... -> users.parquet ...
    python -m recwarehouse.convert_csv exports/ data/mine --list-separator ';'

Each table of the `platform` source (`models/staging/platform/_platform__sources.yml`) is read from
`<table>.csv` (with a header row) with every column typed as the contract says, so ids stay text
(`007` is not the number 7) and timestamps are timestamps. A list column (`varchar[]`: a user's
`preferred_types`, a workout's `tags`) is one text per row, its items separated by
`--list-separator` (default `|`), spaces around them trimmed and empty items left out. A table
the contract marks optional may be missing; any other missing file, or a column missing from a
file, stops with one line naming it. Nothing is checked beyond the types: the build's staging
models judge each row and keep the ones that break a rule in `stg_platform__<table>_rejected`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "models" / "staging" / "platform" / "_platform__sources.yml"


def contract_tables(path: Path = CONTRACT) -> list[dict]:
    """The platform source's tables: name, optional, columns [(name, data_type)]."""
    source = next(s for s in yaml.safe_load(path.read_text())["sources"] if s["name"] == "platform")
    out = []
    for table in source["tables"]:
        meta = (table.get("config", {}) or {}).get("meta", {}) or {}
        columns = [(c["name"], c["data_type"]) for c in table.get("columns", [])]
        out.append({"name": table["name"], "optional": bool(meta.get("optional")), "columns": columns})
    return out


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def convert(exports: Path, out: Path, separator: str = "|", warn=print) -> list[str]:
    """Write `<out>/<table>.parquet` for every contract table found as `<exports>/<table>.csv`;
    returns the tables written. Raises ValueError naming the file and what is wrong; a value that
    is not of its column's type is written as null (the row goes on to staging, which rejects it
    with the reason) and `warn` is told the file, column, count and an example."""
    out.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    written = []
    for table in contract_tables():
        csv = exports / f"{table['name']}.csv"
        if not csv.exists():
            if table["optional"]:
                continue
            raise ValueError(f"{csv}: missing (the contract's table {table['name']} is required)")
        header = connection.sql(f"select * from read_csv({_quoted(str(csv))}, all_varchar = true) limit 0").columns
        missing = [name for name, _ in table["columns"] if name not in header]
        if missing:
            raise ValueError(f"{csv}: column {missing[0]!r} is missing (the contract's columns: "
                             f"{', '.join(name for name, _ in table['columns'])})")  # fmt: skip
        selected = []
        for name, kind in table["columns"]:
            column = '"' + name.replace('"', '""') + '"'
            if kind.endswith("[]"):
                items = f"list_transform(string_split(coalesce({column}, ''), {_quoted(separator)}), x -> trim(x))"
                selected.append(f"list_filter({items}, x -> x <> '')::{kind} as {column}")
            else:
                selected.append(f"try_cast(nullif(trim({column}), '') as {kind}) as {column}")
        lost = _unreadable(connection, csv, table["columns"])
        for name, count, example in lost:
            warn(f"{csv}: {count:,} value(s) of column {name!r} are not a {dict(table['columns'])[name]} "
                 f"(e.g. {example!r}): written as null, so staging rejects those rows with the reason")  # fmt: skip
        target = out / f"{table['name']}.parquet"
        try:
            connection.execute(
                f"copy (select {', '.join(selected)} from read_csv({_quoted(str(csv))}, all_varchar = true)) "
                f"to {_quoted(str(target))} (format parquet)"
            )
        except duckdb.Error as error:
            raise ValueError(f"{csv}: {str(error).splitlines()[0]}") from error
        written.append(table["name"])
    return written


def _unreadable(connection, csv: Path, columns: list[tuple[str, str]]) -> list[tuple[str, int, str]]:
    """(column, how many, an example) of the non-empty values that are not of their column's type."""
    typed = [(name, kind) for name, kind in columns if kind != "varchar" and not kind.endswith("[]")]
    if not typed:
        return []
    checks = []
    for name, kind in typed:
        column = '"' + name.replace('"', '""') + '"'
        bad = f"nullif(trim({column}), '') is not null and try_cast(trim({column}) as {kind}) is null"
        checks.append(f"count(*) filter (where {bad}), any_value({column}) filter (where {bad})")
    row = connection.sql(
        f"select {', '.join(checks)} from read_csv({_quoted(str(csv))}, all_varchar = true)"
    ).fetchone()
    return [(name, row[2 * i], row[2 * i + 1]) for i, (name, _) in enumerate(typed) if row[2 * i]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exports", type=Path, help="folder of <table>.csv files")
    parser.add_argument("out", type=Path, help="folder to write <table>.parquet into (raw_data_path)")
    parser.add_argument("--list-separator", default="|", help="what separates the items of a list column")
    args = parser.parse_args()
    try:
        written = convert(args.exports, args.out, args.list_separator)
    except ValueError as error:
        sys.exit(str(error))
    print(f"wrote {', '.join(written)} to {args.out}")


if __name__ == "__main__":
    main()
