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
4. on success, replaces the published file with the copy in one `os.replace`, under a read-only
   connection so no writer can open it meanwhile, and only if no session wrote the published file
   since step 2 (else the build stops with one line and publishes nothing, so those writes are
   kept); on failure leaves the published file untouched.

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


Fingerprint = tuple  # (inode, size, mtime_ns) of the file and of its WAL; None where absent


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def fingerprint(published: Path) -> Fingerprint | None:
    """What changes when any session writes the published warehouse (its file or its WAL)."""

    def stat(path: Path) -> tuple[int, int, int] | None:
        try:
            found = path.stat()
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_size, found.st_mtime_ns)

    main = stat(published)
    return None if main is None else (main, stat(wal_path(published)))


@contextmanager
def no_writer(published: Path):
    """Hold a read-only connection on the published file: while it is open no session can open it
    for writing (DuckDB's file lock), and one that already has it open is named in one line."""
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
        yield
    finally:
        connection.close()


def snapshot_into(published: Path, staging: Path) -> Fingerprint | None:
    """Copy the published warehouse (and a WAL left by a crashed writer) to `staging`, holding a
    read-only connection meanwhile. Returns the published file's fingerprint, or None when there is
    nothing published yet."""
    staging.parent.mkdir(parents=True, exist_ok=True)
    for stale in (staging, wal_path(staging)):
        stale.unlink(missing_ok=True)
    if not published.exists():
        return None
    with no_writer(published):
        taken = fingerprint(published)
        shutil.copyfile(published, staging)
        if wal_path(published).exists():
            shutil.copyfile(wal_path(published), wal_path(staging))
    return taken


def publish(staging: Path, published: Path, snapshot: Fingerprint | None) -> None:
    """Atomically make the finished build the published warehouse, unless another session wrote the
    published file since `snapshot` was taken (its writes would be lost): then publish nothing.

    The check and the swap happen under a read-only connection, so no writer can open the file
    between them; a WAL beside the published file then belongs to the snapshot (its content is in
    the build) and goes with the old file, so none can outlive the swap."""
    if wal_path(staging).exists():  # dbt checkpoints on close; make sure nothing is left in the WAL
        duckdb.connect(str(staging)).close()
    if not published.exists():
        if snapshot is not None:
            raise BuildLockError(f"{published} was removed during the build: nothing published; build again")
        os.replace(staging, published)
        return
    with no_writer(published):
        if fingerprint(published) != snapshot:
            raise BuildLockError(
                f"{published} was written by another session during the build: nothing published, so those"
                " writes are kept; build again to include them (write to another file, or build when no"
                " session writes to it)"
            )
        wal_path(published).unlink(missing_ok=True)
        os.replace(staging, published)


def run(dbt_args: list[str], published: Path, dbt: str) -> int:
    staging = staging_path(published)
    with build_lock(published):
        snapshot = snapshot_into(published, staging)
        print(
            f"building into {staging} ({'a copy of' if snapshot else 'new; nothing published at'} {published});"
            " readers keep using the published file",
            flush=True,
        )
        code = subprocess.call([dbt, *dbt_args], env={**os.environ, "RECWAREHOUSE_DB": str(staging)})
        if code != 0:
            print(f"dbt failed (exit {code}): {published} is unchanged; the failed build is in {staging}", flush=True)
            return code
        publish(staging, published, snapshot)
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
