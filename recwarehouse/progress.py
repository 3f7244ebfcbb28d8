"""Progress lines for long Python stages, in the dbt run log.

dbt runs Python models in its own process, so a line fired through dbt's event system lands on
the console with dbt's timestamp, and in logs/dbt.log, beside the node's START / OK lines. Outside
dbt (pytest, benchmarks) the same call prints."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


def log(message: str) -> None:
    """One line in the dbt run log (printed when not inside dbt)."""
    try:
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.functions import fire_event
        from dbt_common.events.types import Note
    except ImportError:  # pragma: no cover - dbt is always installed with the project
        print(message, flush=True)
        return
    fire_event(Note(msg=f"  | {message}"), level=EventLevel.INFO)


@contextmanager
def stage(what: str) -> Iterator[None]:
    """Log `what` when it starts and how long it took when it ends."""
    log(f"{what} ...")
    started = time.perf_counter()
    yield
    log(f"{what}: done in {time.perf_counter() - started:.1f} s")
