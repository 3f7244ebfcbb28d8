"""The warehouse with every Python model on local Spark, beside DuckDB in the same run.

    .venv/bin/python bench/spark_build.py                  # the demo data and the 1M-event world
    .venv/bin/python bench/spark_build.py --sizes demo     # the demo data only (about 6 minutes)

For each data set: `dbt build` on DuckDB and `dbt build --target spark` (local[N], the Python models
run in the dbt process's SparkSession, their scoring on Spark's executors), each from scratch.
Reported: wall seconds, the seconds of the Python model nodes (their share of the wall time), and
the peak memory of the build's processes, read from /proc every half second: the dbt process (on
Spark the Python side of the driver: what the models read onto it and fit there), the largest
single process (on Spark, the driver's JVM or the dbt process) and the whole tree at its peak (on
local Spark the executors' Python workers are in it too). On the 1M world Spark runs again with
`spark.driver.memory` at 2g: what the driver must hold. The table is printed and written to bench/results/spark_build.md
(and .json), with the date, the machine's cores and the command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from scale import SCALES, events_in, generate  # noqa: E402

DUCK_DBT = ROOT / ".venv" / "bin" / "dbt"
SPARK_DBT = ROOT / ".venv-spark" / "bin" / "dbt"
OUT = ROOT / "bench" / "results"
WORK = ROOT / "data" / "spark_bench"


def run_build(engine: str, data: Path, label: str, driver_memory: str = "4g") -> dict:
    target = WORK / f"target_{label}"
    shutil.rmtree(target, ignore_errors=True)
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT)}
    if engine == "duckdb":
        db = WORK / label / "warehouse.duckdb"
        shutil.rmtree(db.parent, ignore_errors=True)
        db.parent.mkdir(parents=True)
        env["RECWAREHOUSE_DB"] = str(db)
        cmd = [str(DUCK_DBT), "build"]
    else:
        spark_dir = WORK / label
        shutil.rmtree(spark_dir, ignore_errors=True)
        env.update(
            SPARK_LOCAL_IP="127.0.0.1",
            RECWAREHOUSE_PROJECT_DIR=str(ROOT),
            RECWAREHOUSE_SPARK_DIR=str(spark_dir),
            RECWAREHOUSE_SPARK_MEMORY=driver_memory,
        )
        cmd = [str(SPARK_DBT), "build", "--target", "spark"]
    cmd += ["--vars", f"{{raw_data_path: {data}}}", "--target-path", str(target), "--log-path", str(target / "logs")]
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = {"largest": 0, "tree": 0, "dbt": 0}
    sampler = threading.Thread(target=_sample_memory, args=(process, peaks), daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{engine} build of {data} failed:\n{stdout[-4000:]}\n{stderr[-2000:]}")
    result = subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    python_seconds = sum(
        node["execution_time"]
        for node in json.loads((target / "run_results.json").read_text())["results"]
        if manifest.get(node["unique_id"], {}).get("language") == "python"
    )
    served = re.search(r"recommendation_mode=\w+: rule weight ([\d.]+) \((\w+)\)", result.stdout)
    return {
        "engine": engine if engine == "duckdb" else f"spark (driver {driver_memory})",
        "wall": wall,
        "python_seconds": python_seconds,
        "largest_gib": peaks["largest"] / 2**30,
        "dbt_gib": peaks["dbt"] / 2**30,
        "tree_gib": peaks["tree"] / 2**30,
        "served_mode": served.group(2) if served else "?",
    }


def _tree_rss(root: int) -> list[int]:
    """Resident bytes of `root` and of every process below it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(rss.get(pid, 0))
        todo.extend(children.get(pid, []))
    return found


def _sample_memory(process: subprocess.Popen, peaks: dict) -> None:
    while process.poll() is None:
        sizes = _tree_rss(process.pid)  # the dbt process first
        peaks["dbt"] = max(peaks["dbt"], sizes[0] if sizes else 0)
        peaks["largest"] = max(peaks["largest"], max(sizes, default=0))
        peaks["tree"] = max(peaks["tree"], sum(sizes))
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["demo", "1M"], choices=["demo", *[s[0] for s in SCALES]])
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        if size == "demo":
            data = ROOT / "data" / "demo"
            if not (data / "_generator.json").exists():
                sys.exit("no demo data: run `make demo-data` first")
        else:
            name, users, trainers, workouts = next(s for s in SCALES if s[0] == size)
            data = generate(name, users, trainers, workouts)
        events = events_in(data)
        runs = [run_build("duckdb", data, f"{size}_duckdb"), run_build("spark", data, f"{size}_spark")]
        if size != "demo":
            runs.append(run_build("spark", data, f"{size}_spark_2g", driver_memory="2g"))
        for run in runs:
            run.update(data=size, events=events)
            rows.append(run)
            print(f"  {size} {run['engine']}: {run['wall']:.0f} s", flush=True)
    header = (
        "| data | events | engine | wall s | Python models s (share) | dbt process GiB | largest process GiB"
        " | all processes GiB | served mode |"
    )
    lines = [header, "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(
            f"| {r['data']} | {r['events']:,} | {r['engine']} | {r['wall']:.1f} | {r['python_seconds']:.1f}"
            f" ({r['python_seconds'] / r['wall']:.0%}) | {r['dbt_gib']:.2f} | {r['largest_gib']:.2f}"
            f" | {r['tree_gib']:.2f} | {r['served_mode']} |"
        )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    command = "python bench/spark_build.py --sizes " + " ".join(args.sizes)
    text = "\n".join(
        [
            f"Measured {stamp} on {os.cpu_count()} cores ({platform.machine()}), `{command}`:",
            "",
            *lines,
            "",
        ]
    )
    print("\n" + text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "spark_build.md").write_text(text)
    (OUT / "spark_build.json").write_text(json.dumps({"date": stamp, "command": command, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
