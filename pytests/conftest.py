"""Shared fixtures. Tests marked `warehouse` read the test warehouse that `make test` builds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def warehouse() -> duckdb.DuckDBPyConnection:
    path = os.environ.get("RECWAREHOUSE_TEST_DB")
    if not path or not Path(path).exists():
        pytest.fail("no test warehouse: run `make test` (it builds one and sets RECWAREHOUSE_TEST_DB)")
    con = duckdb.connect(path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def corruption_manifest() -> dict:
    return json.loads((ROOT / "data" / "test" / "_corruption.json").read_text())
