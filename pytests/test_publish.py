"""Builds go into a copy and are published atomically: readers keep working during a build, a
failed build publishes nothing, and a lock the build cannot take is named in one line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from recwarehouse.publish import BuildLockError, build_lock, run, staging_path


def make_warehouse(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.sql(f"create or replace table t as select {value} as v")


def fake_dbt(tmp_path: Path, body: str) -> str:
    """A stand-in for the dbt executable: a script that opens RECWAREHOUSE_DB like dbt would."""
    script = tmp_path / "fake_dbt"
    script.write_text(f"#!{sys.executable}\nimport os, sys, duckdb\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return str(script)


def hold_open(path: Path, read_only: bool) -> subprocess.Popen:
    """Another process that opens the warehouse and keeps it open until told to read and quit."""
    code = (
        f"import duckdb, sys; con = duckdb.connect({str(path)!r}, read_only={read_only}); print('open', flush=True);"
        " sys.stdin.readline(); print(con.sql('select v from t').fetchone()[0], flush=True)"
    )
    reader = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "open"
    return reader


def test_a_reader_keeps_working_during_a_build_and_the_build_is_published(tmp_path) -> None:
    published = tmp_path / "warehouse.duckdb"
    make_warehouse(published, 1)
    dbt = fake_dbt(tmp_path, "con = duckdb.connect(os.environ['RECWAREHOUSE_DB'])\n"
                   "assert con.sql('select v from t').fetchone()[0] == 1  # the build starts from a copy\n"
                   "con.sql('create or replace table t as select 2 as v')\n")  # fmt: skip
    reader = hold_open(published, read_only=True)
    try:
        assert run(["build"], published, dbt) == 0
        out, _ = reader.communicate("go\n", timeout=30)
    finally:
        reader.kill()
    assert out.strip() == "1"  # the open connection still reads the file it opened
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.sql("select v from t").fetchone()[0] == 2  # new connections see the new build
    assert not staging_path(published).exists()


def test_a_failed_build_publishes_nothing(tmp_path) -> None:
    published = tmp_path / "warehouse.duckdb"
    make_warehouse(published, 1)
    dbt = fake_dbt(tmp_path, "con = duckdb.connect(os.environ['RECWAREHOUSE_DB'])\n"
                   "con.sql('create or replace table t as select 3 as v')\nsys.exit(2)\n")  # fmt: skip
    assert run(["build"], published, dbt) == 2
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.sql("select v from t").fetchone()[0] == 1


def test_a_writer_holding_the_file_is_named_in_one_line(tmp_path) -> None:
    published = tmp_path / "warehouse.duckdb"
    make_warehouse(published, 1)
    writer = hold_open(published, read_only=False)
    try:
        with pytest.raises(BuildLockError) as caught:
            run(["build"], published, fake_dbt(tmp_path, "sys.exit(0)\n"))
    finally:
        writer.kill()
    message = str(caught.value)
    assert "\n" not in message
    assert f"is open for writing by process {writer.pid}" in message and "duckdb -readonly" in message


def test_two_builds_never_run_at_once(tmp_path) -> None:
    published = tmp_path / "warehouse.duckdb"
    with build_lock(published), pytest.raises(BuildLockError, match="another build of .* is running"):  # noqa: SIM117
        with build_lock(published):
            pass
    with build_lock(published):  # released: the next build goes ahead
        pass
