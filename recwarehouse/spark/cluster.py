"""A real standalone Spark cluster on this machine: one master and one worker, both bound to the
loopback address, started from PySpark's own scripts, for building the warehouse the way a
cluster runs it (the driver is the dbt process; the executors are the worker's processes).

    python -m recwarehouse.spark.cluster start   # master spark://127.0.0.1:7177, one worker
    python -m recwarehouse.spark.cluster stop
    python -m recwarehouse.spark.cluster package # dist/recwarehouse.zip, for spark.submit.pyFiles

`make spark-cluster-start` / `spark-cluster-stop` call these. The worker's executors import the
project's package from the zip that the driver ships with `spark.submit.pyFiles` (set by the
`spark` target from RECWAREHOUSE_SPARK_PYFILES), as on any cluster; their Python is the
interpreter PYSPARK_PYTHON names (on one machine, the .venv-spark one, which holds the pinned
libraries: on a real cluster, the same pins installed on every node, or shipped as an archive).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HOST = "127.0.0.1"
MASTER_PORT = int(os.environ.get("RECWAREHOUSE_SPARK_MASTER_PORT", "7177"))
MASTER_URL = f"spark://{HOST}:{MASTER_PORT}"
ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "spark-warehouse" / "cluster"


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def _start(name: str, args: list[str], ready_port: int | None) -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    log = open(STATE / f"{name}.log", "ab")  # noqa: SIM115 - the daemon keeps it open
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOCAL_HOSTNAME": "localhost",
        "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
    }
    process = subprocess.Popen(
        [str(spark_home() / "bin" / "spark-class"), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    (STATE / f"{name}.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 60
    while ready_port is not None and not _listening(ready_port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the Spark {name} did not start: see {STATE / f'{name}.log'}")
        time.sleep(0.5)


def start(cores: int, memory: str) -> None:
    if _listening(MASTER_PORT):
        raise SystemExit(
            f"port {MASTER_PORT} is taken: a cluster is running (make spark-cluster-stop),"
            " or set RECWAREHOUSE_SPARK_MASTER_PORT"
        )
    _start(
        "master",
        [
            "org.apache.spark.deploy.master.Master",
            "--host",
            HOST,
            "--port",
            str(MASTER_PORT),
            "--webui-port",
            str(MASTER_PORT + 1),
        ],
        MASTER_PORT,
    )
    _start(
        "worker",
        [
            "org.apache.spark.deploy.worker.Worker", MASTER_URL, "--host", HOST, "--cores", str(cores),
            "--memory", memory, "--webui-port", str(MASTER_PORT + 2), "--work-dir", str(STATE / "work"),
        ],
        None,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "Successfully registered with master" not in (STATE / "worker.log").read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise SystemExit(f"the Spark worker did not register with {MASTER_URL}: see {STATE / 'worker.log'}")
        time.sleep(0.5)
    print(f"Spark standalone cluster up: master {MASTER_URL}, one worker ({cores} cores, {memory}); logs in {STATE}")


def stop() -> None:
    for name in ("worker", "master"):
        pid_file = STATE / f"{name}.pid"
        if not pid_file.exists():
            continue
        pid = int(pid_file.read_text())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        pid_file.unlink()
    print("Spark standalone cluster stopped")


def package(out: Path) -> Path:
    """The project's package as a zip for `spark.submit.pyFiles` (sources only)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    source = ROOT / "recwarehouse"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*.py")):
            archive.write(path, path.relative_to(ROOT).as_posix())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "package"])
    parser.add_argument("--cores", type=int, default=int(os.environ.get("RECWAREHOUSE_THREADS", "2")))
    parser.add_argument("--memory", default="2g")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "recwarehouse.zip")
    args = parser.parse_args(argv)
    if args.command == "start":
        start(args.cores, args.memory)
    elif args.command == "stop":
        stop()
    else:
        print(package(args.out))


if __name__ == "__main__":
    main()
