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


WRITE_DURING_BUILD = """
con = duckdb.connect(os.environ['RECWAREHOUSE_DB'])
con.sql('create or replace table t as select 2 as v')
con.close()
import subprocess
subprocess.run([sys.executable, '-c', {writer!r}], check=True)  # a session writes the published file
"""


def writer_code(published: Path, ending: str) -> str:
    """A session that opens the published warehouse for writing, commits a table, then ends."""
    return (
        f"import duckdb, os; con = duckdb.connect({str(published)!r});"
        " con.sql('create table mine as select 42 as answer');" + ending
    )


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param("con.close()", id="closes"),
        pytest.param("os._exit(0)", id="exits-without-closing-leaving-its-wal"),
        pytest.param(
            "con.sql('checkpoint'); con.sql('insert into mine values (43)'); os._exit(0)", id="checkpoints-then-exits"
        ),
    ],
)
def test_a_session_that_writes_during_the_build_keeps_its_writes_and_nothing_is_published(
    tmp_path, ending: str
) -> None:
    published = tmp_path / "warehouse.duckdb"
    make_warehouse(published, 1)
    dbt = fake_dbt(tmp_path, WRITE_DURING_BUILD.format(writer=writer_code(published, ending)))
    with pytest.raises(BuildLockError, match="was written by another session during the build: nothing published"):
        run(["build"], published, dbt)
    with duckdb.connect(str(published), read_only=True) as con:  # opens: no WAL of another file beside it
        assert con.sql("select v from t").fetchone()[0] == 1  # the build was not published
        assert con.sql("select min(answer) from mine").fetchone()[0] == 42  # the session's writes are kept
    dbt = fake_dbt(tmp_path, "con = duckdb.connect(os.environ['RECWAREHOUSE_DB'])\n"
                   "con.sql('create or replace table t as select 3 as v')\n")  # fmt: skip
    assert run(["build"], published, dbt) == 0  # the next build starts from the file with those writes
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.sql("select v from t").fetchone()[0] == 3
        assert con.sql("select min(answer) from mine").fetchone()[0] == 42


def gone(pid: int, seconds: float = 10.0) -> None:
    """Wait until process `pid` has ended (exited, or a zombie waiting for its parent)."""
    import time

    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if "\nState:\tZ" in status.read_text():
                return
        except FileNotFoundError:
            return
        time.sleep(0.05)


def test_a_writer_still_open_at_publish_is_named_and_nothing_is_published(tmp_path) -> None:
    published = tmp_path / "warehouse.duckdb"
    make_warehouse(published, 1)
    holder = tmp_path / "holder"
    dbt = fake_dbt(
        tmp_path,
        "import subprocess, time\n"
        f"code = {writer_code(published, 'import time; print(1, flush=True); time.sleep(60)')!r}\n"
        "w = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)\n"
        "w.stdout.readline()\n"
        f"open({str(holder)!r}, 'w').write(str(w.pid))\n",
    )
    try:
        with pytest.raises(BuildLockError) as caught:
            run(["build"], published, dbt)
    finally:
        pid = int(holder.read_text())
        subprocess.run(["kill", str(pid)], check=False)
        gone(pid)  # its lock on the file goes with it
    message = str(caught.value)
    assert "\n" not in message and f"is open for writing by process {pid}" in message
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.sql("select v from t").fetchone()[0] == 1
        assert con.sql("select min(answer) from mine").fetchone()[0] == 42
