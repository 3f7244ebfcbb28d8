"""How long the demo build takes, on an idle machine and with one core kept busy, in one run.

    python bench/build_speed.py [--runs 3] [--data data/demo]

Each run is a full `dbt build --full-refresh` of the demo (training, serving, re-ranker, cold
start and every test) into a fresh file under bench/out/. The busy runs start a process of their
own that keeps one core at 100% (a pure-Python loop) for the whole build, as a browser or another
build would on a laptop; idle and busy runs alternate, so drift in the machine's speed hits both
alike. Prints each run, the medians, the busy / idle ratio and the slowest nodes of the last busy
build. Targets (issue 15): idle <= 40 s on a 2-core machine; busy <= 1.5x idle.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "build_speed"
SPIN = "import time\nend = time.time() + 3600\nwhile time.time() < end:\n    pass\n"


def one_build(data: Path, busy: bool, number: int) -> tuple[float, list[tuple[str, float]]]:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "warehouse.duckdb"
    db.unlink(missing_ok=True)
    target = OUT / f"target_{number}"
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(db)}
    spinner = subprocess.Popen([sys.executable, "-c", SPIN]) if busy else None
    try:
        started = time.perf_counter()
        result = subprocess.run(
            [str(Path(sys.executable).with_name("dbt")), "build", "--full-refresh", "--vars",
             f"{{raw_data_path: '{data}'}}", "--target-path", str(target), "--log-path", str(OUT / "logs")],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        if spinner is not None:
            spinner.kill()
    if result.returncode != 0:
        sys.exit(f"build failed\n{result.stdout[-3000:]}")
    timing = json.loads((target / "run_results.json").read_text())["results"]
    slowest = sorted(((r["unique_id"].split(".")[-1], r["execution_time"]) for r in timing), key=lambda t: -t[1])
    return seconds, slowest[:8]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each kind (idle, busy)")
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    a = ap.parse_args()
    threads = os.environ.get("RECWAREHOUSE_THREADS", "(default)")
    print(f"demo dbt build --full-refresh, {a.runs} idle and {a.runs} busy runs, alternating;"
          f" cores {os.cpu_count()}, RECWAREHOUSE_THREADS {threads},"
          f" OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY', '(unset: the package sets PASSIVE)')}")  # fmt: skip
    idle, busy, slowest = [], [], []
    for run in range(a.runs):
        for kind, times in (("idle", idle), ("busy", busy)):
            seconds, slowest = one_build(a.data, kind == "busy", 2 * run + (kind == "busy"))
            times.append(seconds)
            print(f"run {run + 1} {kind:<5} {seconds:7.1f} s", flush=True)
    idle_median, busy_median = statistics.median(idle), statistics.median(busy)
    ratios = [b / i for i, b in zip(idle, busy, strict=True)]
    print(f"\n{'':<22}{'median s':>10}{'min':>8}{'max':>8}")
    print(f"{'idle':<22}{idle_median:>10.1f}{min(idle):>8.1f}{max(idle):>8.1f}")
    print(f"{'one core busy':<22}{busy_median:>10.1f}{min(busy):>8.1f}{max(busy):>8.1f}")
    print(f"{'busy / idle (paired)':<22}{statistics.median(ratios):>10.2f}{min(ratios):>8.2f}{max(ratios):>8.2f}")
    print(f"\ntargets: idle <= 40 s: {'met' if idle_median <= 40 else 'missed'};"
          f" busy <= 1.5x idle: {'met' if statistics.median(ratios) <= 1.5 else 'missed'}")  # fmt: skip
    print("\nslowest nodes of the last busy build:")
    for name, seconds in slowest:
        print(f"  {name:<60}{seconds:7.1f} s")


if __name__ == "__main__":
    main()
