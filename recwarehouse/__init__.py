"""recwarehouse: a SQL-first recommender warehouse (dbt + DuckDB); shared Python code.

Importing the package makes GNU OpenMP wait passively (unless the caller chose otherwise): by
default its worker threads spin at every barrier, and when another process holds a core a
2-thread LightGBM fit became 4-7x slower (issue 15). libgomp reads the setting when it is
loaded, which is when LightGBM or scikit-learn's compiled parts are first imported: every
Python model imports this package first."""

import os
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


@contextmanager
def thread_limit():
    """Hold BLAS and OpenMP pools (numpy, scipy, LightGBM, scikit-learn) to `threads()` inside the
    block: they are loaded before any setting of ours can reach them through the environment."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads()):
        yield
