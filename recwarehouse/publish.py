"""Build the warehouse without locking readers out, and publish it atomically.

    python -m recwarehouse.publish [dbt command and args]     # default: build

DuckDB lets one process write a file, and a writer excludes every reader. A plain `dbt build`
into `warehouse.duckdb` therefore fails when an app or a CLI holds the file open, and readers get
"Conflicting lock" for the whole run. This command instead:

1. takes a build lock (`.build/<name>.lock`), so two builds never race;
2. copies the published file into `.build/<name>` while holding a read-only connection on it (so
   no writer can change it mid-copy), keeping the incremental tables (weekly aggregates, the
   ranker registry);
3. runs dbt against that copy (`RECWAREHOUSE_DB`), with its output streamed as usual;
4. on success, replaces the published file with the copy in one `os.replace`; on failure leaves
   the published file untouched.

Readers keep their open connection to the file they opened (the old one, until they reconnect);
new connections see the new build. The copy has the same file name in another folder, because
dbt-duckdb's views name their catalog after the file. When a step cannot take its lock, it says
so in one line, with the fix.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb

STAGING_DIR = ".build"


class BuildLockError(RuntimeError):
    """A lock the build needs is held by another process."""


def staging_path(published: Path) -> Path:
    """Where the build writes: same file name (dbt-duckdb names the catalog after it), own folder."""
    return published.parent / STAGING_DIR / published.name


def _holder(error: Exception) -> str:
    match = re.search(r"\(PID (\d+)\)", str(error))
    return f"process {match.group(1)}" if match else "another process"


@contextmanager
def build_lock(published: Path):
    """An exclusive lock per published file, so two builds never run at once."""
    lock_file = staging_path(published).with_suffix(".lock")
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            raise BuildLockError(
                f"another build of {published} is running (pid {pid}): wait for it to finish, then build again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def snapshot_into(published: Path, staging: Path) -> bool:
    """Copy the published warehouse (and a WAL left by a crashed writer) to `staging`, holding a
    read-only connection meanwhile. Returns False when there is nothing published yet."""
    staging.parent.mkdir(parents=True, exist_ok=True)
    for stale in (staging, staging.with_name(staging.name + ".wal")):
        stale.unlink(missing_ok=True)
    if not published.exists():
        return False
    try:
        connection = duckdb.connect(str(published), read_only=True)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        raise BuildLockError(
            f"{published} is open for writing by {_holder(error)}: close that session, or open it read-only"
            f" (duckdb -readonly {published.name}); read-only readers never block a build"
        ) from None
    try:
        shutil.copyfile(published, staging)
        wal = published.with_name(published.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, staging.with_name(staging.name + ".wal"))
    finally:
        connection.close()
    return True


def publish(staging: Path, published: Path) -> None:
    """Atomically make the finished build the published warehouse."""
    staging_wal = staging.with_name(staging.name + ".wal")
    if staging_wal.exists():  # dbt checkpoints on close; make sure nothing is left in the WAL
        duckdb.connect(str(staging)).close()
    # a WAL next to the published file belongs to the old file (its content is in the build)
    published.with_name(published.name + ".wal").unlink(missing_ok=True)
    os.replace(staging, published)


def run(dbt_args: list[str], published: Path, dbt: str) -> int:
    staging = staging_path(published)
    with build_lock(published):
        had_one = snapshot_into(published, staging)
        print(
            f"building into {staging} ({'a copy of' if had_one else 'new; nothing published at'} {published});"
            " readers keep using the published file",
            flush=True,
        )
        code = subprocess.call([dbt, *dbt_args], env={**os.environ, "RECWAREHOUSE_DB": str(staging)})
        if code != 0:
            print(f"dbt failed (exit {code}): {published} is unchanged; the failed build is in {staging}", flush=True)
            return code
        publish(staging, published)
        print(f"published {published}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv) or ["build"]
    published = Path(os.environ.get("RECWAREHOUSE_DB", "warehouse.duckdb")).resolve()
    dbt = str(Path(sys.executable).with_name("dbt"))
    try:
        return run(args, published, dbt)
    except BuildLockError as error:
        print(f"cannot build: {error}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later


if __name__ == "__main__":
    sys.exit(main())
