"""The bring-your-own interactions path at real size, against the plain-library floor, in one run.

    python bench/interactions_scale.py [--sizes 1m 10m] [--seed 7]

For each size it generates a synthetic log (recwarehouse.demo.interactions: drifting latent
tastes, Zipf-like popularity, repeats, no ratings), runs the whole `dbt build --select
tag:interactions` on it (parquet adapter) and prints wall time, peak RSS and the slowest stages.
Beside it, on the same data and the same split (the warehouse's own test fold), the floor a
person would write with the libraries alone: implicit's ALS fit + recommend, and a plain EASE
script (float64 inverse, as published) where its matrices fit in 4 GiB, both fitted on the whole
fold and listing the evaluated users (the test fold's users with targets, at most
`evaluation_users`, as the warehouse lists them); their NDCG@10 and seconds next to the
warehouse's.

Targets (issue 14): 1M interactions <= 3 min and <= 3 GiB; 10M <= 20 min and <= 8 GiB; each
model's fit + scoring within 3x of the floor's; on 1M the chosen model beats the best floor model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "interactions_scale"
SIZES = {  # interactions, users, items
    "1m": (1_000_000, 50_000, 20_000),
    "10m": (10_000_000, 500_000, 100_000),
}
PLAIN_EASE_BYTES = 4 * 2**30
K = 10
# run a command and print the peak RSS of its process tree's largest member (KiB), resource-based
PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def generate(size: str, seed: int) -> Path:
    rows, users, items = SIZES[size]
    folder = OUT / f"data_{size}_s{seed}"
    if not (folder / "interactions.parquet").exists():
        subprocess.run(
            [sys.executable, "-m", "recwarehouse.demo.interactions", "--interactions", str(rows), "--users",
             str(users), "--items", str(items), "--seed", str(seed), "--out", str(folder)],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return folder


def build(size: str, data: Path) -> dict:
    db = OUT / f"warehouse_{size}.duckdb"
    db.unlink(missing_ok=True)
    target = OUT / f"target_{size}"
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(db)}
    dbt = str(Path(sys.executable).with_name("dbt"))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, dbt, "build", "--select", "tag:interactions", "--target-path", str(target),
         "--log-path", str(OUT / "logs"), "--vars", json.dumps({"interactions_adapter": "parquet",
                                                                "interactions_path": str(data)})],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"interactions build failed ({size})\n{result.stdout[-4000:]}")
    peak = next(int(line.split()[1]) for line in result.stderr.splitlines() if line.startswith("PEAK_RSS_KIB"))
    nodes = json.loads((target / "run_results.json").read_text())["results"]
    slowest = sorted(((n["unique_id"].split(".")[-1], n["execution_time"]) for n in nodes), key=lambda t: -t[1])
    return {"db": db, "seconds": seconds, "peak_gib": peak / 2**20, "slowest": slowest[:6], "log": result.stdout}


def warehouse_figures(db: Path) -> tuple[list[tuple], str]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.sql(
        """
        select model, ndcg_at_k_test, fit_seconds, status
        from ml.ml_interaction_registry order by ndcg_at_k_test desc nulls last
        """
    ).fetchall()
    (served,) = con.sql("select any_value(model) from marts.fct_interaction_recommendations").fetchone()
    con.close()
    return rows, served


def split_matrices(db: Path):
    """The warehouse's test fold: history as CSR (users x items, 1 per distinct pair) and targets."""
    con = duckdb.connect(str(db), read_only=True)
    history = con.sql(
        "select user_id, item_id from intermediate.int_interaction_folds_assembled "
        "where fold = 'test' and role = 'history'"
    ).fetchnumpy()
    targets = con.sql(
        "select user_id, item_id from intermediate.int_interaction_targets where fold = 'test'"
    ).fetchnumpy()
    con.close()
    users, u = np.unique(history["user_id"], return_inverse=True)
    items, i = np.unique(history["item_id"], return_inverse=True)
    x = sp.csr_matrix((np.ones(u.size, dtype=np.float32), (u, i)), shape=(users.size, items.size))
    x.data[:] = 1.0  # repeats summed by the constructor: back to binary
    tu = np.searchsorted(users, targets["user_id"])
    ti = np.searchsorted(items, targets["item_id"])
    ok_u = (tu < users.size) & (users[np.minimum(tu, users.size - 1)] == targets["user_id"])
    ok_i = (ti < items.size) & (items[np.minimum(ti, items.size - 1)] == targets["item_id"])
    n_rel = np.bincount(tu[ok_u], minlength=users.size)
    keys = np.sort(tu[ok_u & ok_i].astype(np.int64) * items.size + ti[ok_u & ok_i])
    evaluated = int(np.unique(targets["user_id"]).size)
    return x, keys, n_rel, evaluated


def ndcg(
    recommended: np.ndarray, users: np.ndarray, keys: np.ndarray, n_rel: np.ndarray, evaluated: int, n_items: int
) -> float:
    """Mean NDCG@K over the evaluated users; `recommended` holds the lists of the rows `users`."""
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    hit = np.isin(users[:, None].astype(np.int64) * n_items + recommended, keys)
    dcg = (hit * discounts).sum(axis=1)
    ok = n_rel[users] > 0
    return float((dcg[ok] / np.cumsum(discounts)[np.minimum(n_rel[users][ok], K) - 1]).sum() / evaluated)


def floor_als(x: sp.csr_matrix, users: np.ndarray) -> tuple[float, np.ndarray]:
    """implicit's ALS fit on the whole fold, then `recommend` for the evaluated users."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    with threadpool_limits(1):
        model = AlternatingLeastSquares(factors=64, regularization=0.05, alpha=1.0, iterations=15, random_state=7)
        model.fit(x, show_progress=False)
        ids, _ = model.recommend(users, x[users], N=K, filter_already_liked_items=True)
    return time.perf_counter() - started, ids


def floor_ease(x: sp.csr_matrix, users: np.ndarray, lam: float = 500.0) -> tuple[float, np.ndarray] | None:
    """Plain EASE (float64 inverse, as published), scored for the evaluated users."""
    n = x.shape[1]
    if 2 * n * n * 8 > PLAIN_EASE_BYTES:
        return None
    started = time.perf_counter()
    g = (x.T @ x).toarray().astype(np.float64)
    g[np.diag_indices(n)] += lam
    p = np.linalg.inv(g)
    b = p / (-np.diag(p))
    b[np.diag_indices(n)] = 0.0
    top = np.empty((users.size, K), dtype=np.int64)
    for lo in range(0, users.size, 2048):
        rows = x[users[lo : lo + 2048]]
        scores = np.asarray(rows @ b)
        scores[rows.toarray() > 0] = -np.inf
        top[lo : lo + 2048] = np.argsort(-scores, axis=1, kind="stable")[:, :K]
    return time.perf_counter() - started, top


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["1m", "10m"], choices=sorted(SIZES))
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    targets = {"1m": (180, 3.0), "10m": (1200, 8.0)}
    for size in a.sizes:
        rows, users, items = SIZES[size]
        data = generate(size, a.seed)
        print(f"\n== {size}: {rows:,} interactions, {users:,} users, {items:,} items (seed {a.seed}) ==")
        run = build(size, data)
        limit_s, limit_gib = targets[size]
        print(f"whole interactions build: {run['seconds']:.0f} s (target <= {limit_s}), "
              f"peak RSS {run['peak_gib']:.2f} GiB (target <= {limit_gib})")  # fmt: skip
        print("slowest stages: " + ", ".join(f"{name} {sec:.0f} s" for name, sec in run["slowest"]))
        for line in run["log"].splitlines():
            if "skipped" in line and "|" in line:
                print("  run log:" + line.split("|", 1)[1])
        models, served = warehouse_figures(run["db"])
        x, keys, n_rel, evaluated = split_matrices(run["db"])
        floor = {}
        users = np.flatnonzero(n_rel > 0)  # the evaluated users, as the warehouse lists the test fold
        als_s, als_top = floor_als(x, users)
        floor["als"] = (als_s, ndcg(als_top, users, keys, n_rel, evaluated, x.shape[1]))
        ease = floor_ease(x, users)
        if ease is not None:
            floor["ease"] = (ease[0], ndcg(ease[1], users, keys, n_rel, evaluated, x.shape[1]))
        print(f"{'model':<20}{'NDCG@10':>9}{'fit+score s':>13}{'floor NDCG':>12}{'floor s':>9}{'ratio':>7}")
        for model, value, seconds, status in models:
            if status == "skipped":
                print(f"{model:<20}{'skipped':>9}")
                continue
            f = floor.get(model)
            ratio = f"{seconds / f[0]:.2f}" if f and seconds else ""
            print(
                f"{model:<20}{value:>9.4f}{seconds or 0:>13.1f}" + (f"{f[1]:>12.4f}{f[0]:>9.1f}{ratio:>7}" if f else "")
            )
        if "ease" not in floor:
            print(f"plain EASE: not run ({x.shape[1]:,} items: its float64 matrices pass 4 GiB)")
        chosen = next(v for m, v, _, _ in models if m == served)
        best_floor = max(floor.items(), key=lambda kv: kv[1][1])
        verdict = "met" if chosen > best_floor[1][1] else "missed"
        print(f"served model {served}: test NDCG@10 {chosen:.4f} vs best floor {best_floor[0]} "
              f"{best_floor[1][1]:.4f}: {verdict}")  # fmt: skip


if __name__ == "__main__":
    from recorded import recorded

    recorded("interactions_scale", main)()
