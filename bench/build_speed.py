"""How long the demo build takes, on an idle machine and with one core kept busy, in one run.

    python bench/build_speed.py [--runs 3] [--data data/demo] [--cold-parse]

Each run is a full `dbt build --full-refresh` of the demo (training, serving, re-ranker, cold
start and every test) into a fresh file under bench/out/. The busy runs start a process of their
own that keeps one core at 100% (a pure-Python loop) for the whole build, as a browser or another
build would on a laptop; idle and busy runs alternate, so drift in the machine's speed hits both
alike. Every run is a rebuild, as a person's second build of the day: a `dbt parse` before the
first run leaves dbt's partial-parse state in the shared target folder; `--cold-parse` gives each
run a fresh folder instead (a first build on a fresh clone: dbt parses the whole project, about
7 s more on 2 cores). Prints each run, the medians, the busy / idle ratio, where the last idle
build spent its time (before the ranker registry, the registry, after it) and the slowest nodes
of the last busy build. Targets (issue 15): idle <= 40 s on a 2-core machine; busy <= 1.5x idle.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from graphlib import TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "build_speed"
SPIN = "import time\nend = time.time() + 3600\nwhile time.time() < end:\n    pass\n"


def dbt(command: str, data: Path, target: Path, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(db)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *command.split(), "--vars", f"{{raw_data_path: '{data}'}}",
         "--target-path", str(target), "--log-path", str(OUT / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip


def phases(results: list[dict]) -> dict[str, float]:
    """Seconds of the build's node span before ml_ranker_registry starts, in it, and after it."""
    spans = {
        r["unique_id"]: (datetime.fromisoformat(r["timing"][0]["started_at"].replace("Z", "")),
                         datetime.fromisoformat(r["timing"][-1]["completed_at"].replace("Z", "")))
        for r in results if r["timing"]
    }  # fmt: skip
    first, last = min(s for s, _ in spans.values()), max(e for _, e in spans.values())
    registry = next((span for node, span in spans.items() if node.endswith(".ml_ranker_registry")), None)
    if registry is None:
        return {"nodes": (last - first).total_seconds()}
    return {
        "before the registry": (registry[0] - first).total_seconds(),
        "ml_ranker_registry": (registry[1] - registry[0]).total_seconds(),
        "after it": (last - registry[1]).total_seconds(),
    }


def longest_chain(target: Path) -> tuple[float, list[str]]:
    """The build's critical path: the longest chain of nodes by execution time, following
    dependencies in the manifest, with each node's single-parent tests counted after it (in
    `dbt build` a node's children wait for its tests). No thread count can build faster."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    seconds = {r["unique_id"]: r["execution_time"] for r in results}
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    parents = {
        node: [p for p in nodes.get(node, {}).get("depends_on", {}).get("nodes", []) if p in seconds]
        for node in seconds
    }
    is_test = {node: node.startswith(("test.", "unit_test.")) for node in seconds}
    tests_after = {}
    for node in seconds:
        if is_test[node] and len(parents[node]) == 1:
            tests_after[parents[node][0]] = max(tests_after.get(parents[node][0], 0.0), seconds[node])
    finish: dict[str, tuple[float, str | None]] = {}
    for node in TopologicalSorter(parents).static_order():  # every node after its parents
        before = max(((finish[p][0], p) for p in parents[node] if not is_test[p]), default=(0.0, None))
        finish[node] = (before[0] + seconds[node] + (0.0 if is_test[node] else tests_after.get(node, 0.0)), before[1])
    node = max(finish, key=lambda n: finish[n][0])
    total, chain = finish[node][0], []
    while node is not None:
        chain.append(node.split(".")[-1])
        node = finish[node][1]
    return total, chain[::-1]


def one_build(data: Path, busy: bool, target: Path) -> tuple[float, list[tuple[str, float]], dict[str, float]]:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "warehouse.duckdb"
    db.unlink(missing_ok=True)
    spinner = subprocess.Popen([sys.executable, "-c", SPIN]) if busy else None
    try:
        started = time.perf_counter()
        result = dbt("build --full-refresh", data, target, db)
        seconds = time.perf_counter() - started
    finally:
        if spinner is not None:
            spinner.kill()
    if result.returncode != 0:
        sys.exit(f"build failed\n{result.stdout[-3000:]}")
    timing = json.loads((target / "run_results.json").read_text())["results"]
    slowest = sorted(((r["unique_id"].split(".")[-1], r["execution_time"]) for r in timing), key=lambda t: -t[1])
    return seconds, slowest[:8], {**phases(timing), "longest chain (no thread limit)": longest_chain(target)[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each kind (idle, busy)")
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    ap.add_argument("--cold-parse", action="store_true", help="a fresh target folder per run (full parse)")
    a = ap.parse_args()
    threads = os.environ.get("RECWAREHOUSE_THREADS", "(default)")
    print(f"demo dbt build --full-refresh, {a.runs} idle and {a.runs} busy runs, alternating;"
          f" cores {os.cpu_count()}, RECWAREHOUSE_THREADS {threads},"
          f" OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY', '(unset: the package sets PASSIVE)')}")  # fmt: skip
    shared = OUT / "target"
    if not a.cold_parse:
        shutil.rmtree(shared, ignore_errors=True)
        if dbt("parse", a.data, shared, OUT / "warehouse.duckdb").returncode != 0:
            sys.exit("dbt parse failed")
    idle, busy, slowest, where = [], [], [], {}
    for run in range(a.runs):
        for kind, times in (("idle", idle), ("busy", busy)):
            target = OUT / f"target_{2 * run + (kind == 'busy')}" if a.cold_parse else shared
            seconds, nodes, spent = one_build(a.data, kind == "busy", target)
            times.append(seconds)
            slowest = nodes if kind == "busy" else slowest
            where = spent if kind == "idle" else where
            print(f"run {run + 1} {kind:<5} {seconds:7.1f} s", flush=True)
    idle_median, busy_median = statistics.median(idle), statistics.median(busy)
    ratios = [b / i for i, b in zip(idle, busy, strict=True)]
    print(f"\n{'':<22}{'median s':>10}{'min':>8}{'max':>8}")
    print(f"{'idle':<22}{idle_median:>10.1f}{min(idle):>8.1f}{max(idle):>8.1f}")
    print(f"{'one core busy':<22}{busy_median:>10.1f}{min(busy):>8.1f}{max(busy):>8.1f}")
    print(f"{'busy / idle (paired)':<22}{statistics.median(ratios):>10.2f}{min(ratios):>8.2f}{max(ratios):>8.2f}")
    print(f"\ntargets: idle <= 40 s: {'met' if idle_median <= 40 else 'missed'};"
          f" busy <= 1.5x idle: {'met' if statistics.median(ratios) <= 1.5 else 'missed'}")  # fmt: skip
    print(f"\nthe last idle build ({'full' if a.cold_parse else 'partial'} parse), its nodes' span:")
    for name, seconds in where.items():
        print(f"  {name:<60}{seconds:7.1f} s")
    print("\nslowest nodes of the last busy build:")
    for name, seconds in slowest:
        print(f"  {name:<60}{seconds:7.1f} s")


if __name__ == "__main__":
    from recorded import recorded

    recorded("build_speed", main)()
