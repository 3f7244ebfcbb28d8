"""Shared fixtures. Tests marked `warehouse` read the test warehouse that `make test` builds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]

# candidates whose item is in the user's history of the same fold (the seen-item filter's failures)
HISTORY_ITEMS_LISTED = """
    select count(*) from ml.ml_interaction_candidates c
    join intermediate.int_interaction_folds_assembled f
      on f.fold = c.fold and f.role = 'history' and f.user_id = c.user_id and f.item_id = c.item_id
"""


def _read_only(variable: str, missing: str):
    """A read-only connection to the warehouse file the environment variable names, closed at the
    end of the session; the test fails with `missing` when there is none."""
    path = os.environ.get(variable)
    if not path or not Path(path).exists():
        pytest.fail(missing)
    con = duckdb.connect(path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def warehouse() -> duckdb.DuckDBPyConnection:
    yield from _read_only(
        "RECWAREHOUSE_TEST_DB", "no test warehouse: run `make test` (it builds one and sets RECWAREHOUSE_TEST_DB)"
    )


@pytest.fixture(scope="session")
def synthetic_warehouse() -> duckdb.DuckDBPyConnection:
    """The interactions path on the small synthetic log (repeats, no ratings, EASE over its cap)."""
    yield from _read_only(
        "RECWAREHOUSE_INTERACTIONS_TEST_DB",
        "no synthetic interactions warehouse: run `make test` (it builds one, `make interactions-build`)",
    )


@pytest.fixture(scope="session")
def relabelled_warehouse() -> duckdb.DuckDBPyConnection:
    """The same synthetic log with every user and item id relabelled (`make interactions-build`)."""
    yield from _read_only(
        "RECWAREHOUSE_INTERACTIONS_RELABELLED_DB", "no relabelled interactions warehouse: run `make interactions-build`"
    )


@pytest.fixture(scope="session")
def corruption_manifest() -> dict:
    return json.loads((ROOT / "data" / "test" / "_corruption.json").read_text())
