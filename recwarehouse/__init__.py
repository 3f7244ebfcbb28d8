"""recwarehouse: a SQL-first recommender warehouse (dbt + DuckDB); shared Python code.

Importing the package makes GNU OpenMP wait passively (unless the caller chose otherwise): by
default its worker threads spin at every barrier, and when another process holds a core a
2-thread LightGBM fit became 4-7x slower (issue 15). libgomp reads the setting when it is
loaded, which is when LightGBM or scikit-learn's compiled parts are first imported: every
Python model imports this package first."""

import os
import threading
from contextlib import contextmanager

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def threads() -> int:
    """The one thread setting of the project: `RECWAREHOUSE_THREADS`, else the cores this process
    may run on. LightGBM, scikit-learn, implicit and BLAS use this many; DuckDB gets it through
    profiles.yml."""
    value = os.environ.get("RECWAREHOUSE_THREADS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"RECWAREHOUSE_THREADS must be a whole number >= 1, got {value!r}")
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# dbt runs Python models side by side on threads of one process, and OpenBLAS's thread setting
# (pthreads builds: numpy's and scipy's) is the process's: every change and restore of it is made
# under this lock
_POOL_SETTING = threading.RLock()


def _set_pools(limit: int) -> list[tuple[object, int]]:
    """Set every loaded BLAS and OpenMP pool to `limit` threads; returns (pool, previous setting)
    pairs. threadpoolctl lets only the first Python thread that sets OpenBLAS set it for as long as
    that thread lives, and ignores the others without a word; in dbt's process each model runs on
    its own thread, so the setting is made here, directly, under `_POOL_SETTING`."""
    from threadpoolctl import ThreadpoolController

    changed = []
    for pool in ThreadpoolController().lib_controllers:
        previous = pool.get_num_threads()
        if previous is None:
            continue
        getattr(pool, "_real_set_num_threads", pool.set_num_threads)(limit)
        changed.append((pool, previous))
    return changed


def _restore_pools(changed: list[tuple[object, int]]) -> None:
    for pool, previous in reversed(changed):
        getattr(pool, "_real_set_num_threads", pool.set_num_threads)(previous)


@contextmanager
def thread_limit(limit: int | None = None, hold: bool = False):
    """Hold BLAS and OpenMP pools (numpy, scipy, LightGBM, scikit-learn) to `limit` threads
    (default `threads()`) inside the block: they are loaded before any setting of ours can reach
    them through the environment. The BLAS setting is the process's, shared by the models dbt runs
    side by side: with `hold`, no other model changes it until the block ends (a result that
    depends on the thread count, EASE's factorisation, stays the same whatever runs beside it);
    without, other models may change it meanwhile, which only changes how fast the block runs."""
    limit = threads() if limit is None else limit
    if hold:
        with _POOL_SETTING:
            changed = _set_pools(limit)
            try:
                yield
            finally:
                _restore_pools(changed)
        return
    with _POOL_SETTING:
        changed = _set_pools(limit)
    try:
        yield
    finally:
        with _POOL_SETTING:
            _restore_pools(changed)
