"""The project's generic data tests, rendered from their macro files and run on hand-made tables:
each must return rows exactly when the rule is broken."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import jinja2
import pytest

MACROS = Path(__file__).resolve().parents[1] / "macros" / "generic_tests"


def _render(name: str, **context) -> str:
    """The body of `{% test name(...) %} ... {% endtest %}` rendered with plain Jinja."""
    text = (MACROS / f"test_{name}.sql").read_text()
    body = re.search(r"\{% test " + name + r"\(.*?\) %\}(.*)\{% endtest %\}", text, re.S).group(1)
    return jinja2.Environment().from_string(body).render(**context)


def _unique_problems(rows: list[tuple], hash_of=None) -> list[tuple]:
    """Rows the unique-combination test returns on a table of (fold, user_id, item_id) rows;
    `hash_of` replaces the 64-bit hash (a weak one makes distinct keys collide)."""
    con = duckdb.connect()
    con.execute("create table lists (fold varchar, user_id varchar, item_id integer)")
    if rows:
        con.executemany("insert into lists values (?, ?, ?)", rows)
    combination = ["fold", "user_id", "item_id"]
    sql = _render(
        "unique_combination_of_columns",
        model="lists",
        combination=combination,
        combination_hash=hash_of or (lambda columns: f"hash({', '.join(columns)})"),
    )
    return sorted(con.sql(sql).fetchall(), key=str)


CLEAN = [("test", "u1", 1), ("test", "u1", 2), ("test", "u2", 1), ("serve", "u1", 1)]


def test_unique_combination_passes_on_distinct_keys() -> None:
    assert _unique_problems(CLEAN) == []
    assert _unique_problems([]) == []


def test_unique_combination_reports_each_duplicate_once_with_its_count() -> None:
    rows = [*CLEAN, ("test", "u1", 2), ("test", "u1", 2), ("serve", "u1", 1)]
    assert _unique_problems(rows) == [("serve", "u1", 1, 2), ("test", "u1", 2, 3)]


def test_unique_combination_reports_nulls_in_the_key() -> None:
    rows = [*CLEAN, ("test", None, 3), (None, "u9", 1)]
    assert _unique_problems(rows) == sorted([(None, "u9", 1, 1), ("test", None, 3, 1)], key=str)


def test_unique_combination_does_not_mistake_a_hash_collision_for_a_duplicate() -> None:
    # a hash of the fold alone: every key of a fold collides, and only true duplicates may remain
    def weak(columns: list[str]) -> str:
        return f"hash({columns[0]})"

    assert _unique_problems(CLEAN, weak) == []
    assert _unique_problems([*CLEAN, ("test", "u2", 1)], weak) == [("test", "u2", 1, 2)]


@pytest.mark.parametrize("rows", [CLEAN, [*CLEAN, ("test", "u1", 1)]])
def test_unique_combination_agrees_with_a_plain_group_by(rows) -> None:
    con = duckdb.connect()
    con.execute("create table t (fold varchar, user_id varchar, item_id integer)")
    con.executemany("insert into t values (?, ?, ?)", rows)
    plain = con.sql("select *, count(*) from t group by all having count(*) > 1").fetchall()
    assert _unique_problems(rows) == sorted(plain, key=str)
