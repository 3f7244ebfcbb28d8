"""What a benchmark prints, also written to `bench/results/<name>.md` with the date, the machine's
cores and the command, so the docs' figures come from the last run (`recwarehouse.docs_pages`
builds docs/benchmarks.md from these files, and a test checks the README's figures against them).

    if __name__ == "__main__":
        recorded("movielens", main)()
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


class _Tee(io.TextIOBase):
    def __init__(self, *streams) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def recorded(name: str, main: Callable[[], None]) -> Callable[[], None]:
    """`main`, with what it prints kept and written to bench/results/<name>.md once it ends well."""

    def run() -> None:
        kept = io.StringIO()
        with contextlib.redirect_stdout(_Tee(sys.stdout, kept)):
            main()
        command = " ".join(["python", f"bench/{name}.py", *sys.argv[1:]])
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.md").write_text(
            f"Measured {stamp} on {os.cpu_count()} cores ({platform.machine()}), `{command}`:\n\n"
            f"```text\n{kept.getvalue().strip()}\n```\n"
        )

    return run
