"""Scale benchmarks. Each prints a table (and bench/results/scale.md, docs/benchmarks.md).

    python bench/scale.py ladder        # 1M / 3M / 10M events: generate, dbt build, time per stage
    python bench/scale.py features      # SQL features vs pandas vs the scan floor, same run, same data
    python bench/scale.py incremental   # full build vs adding one week (retraining, and with retrain_every_weeks 4)
    python bench/scale.py all           # (make bench-scale) all three, in that order

Data go to data/scale/ (git-ignored) and each build to its own DuckDB file there. Wall time and
peak RSS come from /usr/bin/time -v around `dbt build`; per-stage seconds are the sum of node
execution times in target/.../run_results.json (two dbt threads overlap, so stages add up to more
than the wall time). Targets: 10M events <= 5 min and <= 8 GiB; time per million events at 10M
<= 1.3x that at 1M; SQL features >= 10x faster than pandas and <= 3x the scan floor; adding one
week <= 30% of a full build. A missed target is printed with the amount it is missed by.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
PY = sys.executable
SCALES = [  # name, users, trainers, workouts  (12 weeks, 7.7 impressions per user-week)
    ("1M", 10_000, 300, 2_000),
    ("3M", 30_000, 600, 4_000),
    ("10M", 100_000, 1_000, 8_000),
]
DATA = ROOT / "data" / "scale"
DECAY = 0.8  # the project default of the `decay` var, which the features run uses


def generate(name: str, users: int, trainers: int, workouts: int) -> Path:
    out = DATA / name
    if not (out / "_generator.json").exists():
        subprocess.run(
            [PY, "-m", "recwarehouse.demo.generate", "--users", str(users), "--trainers", str(trainers),
             "--workouts", str(workouts), "--weeks", "12", "--seed", "1", "--impressions-per-user-week", "7.7",
             "--no-truth", "--out", str(out)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
    return out


def events_in(folder: Path) -> int:
    return duckdb.sql(f"select count(*) from read_parquet('{folder}/events.parquet')").fetchone()[0]


def dbt_build(data: Path, db: Path, target: Path, more_vars: str = "") -> dict:
    """`dbt build` under /usr/bin/time -v: wall seconds, peak RSS (GiB), per-stage node seconds."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(db)}
    vars_ = f"{{raw_data_path: {data}{', ' + more_vars if more_vars else ''}}}"
    cmd = ["/usr/bin/time", "-v", DBT, "build", "--vars", vars_, "--target-path", str(target)]
    t0 = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if result.returncode != 0:
        sys.exit(f"dbt build on {data} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    stages: dict[str, float] = {}
    for node in json.loads((target / "run_results.json").read_text())["results"]:
        stages[stage_of(node["unique_id"])] = stages.get(stage_of(node["unique_id"]), 0.0) + node["execution_time"]
    return {"wall": wall, "rss_gib": rss_kb / 2**20, "stages": stages}


def stage_of(unique_id: str) -> str:
    kind, _, name = unique_id.split(".", 2)
    if kind in ("test", "unit_test"):
        return "tests"
    if kind != "model":
        return "seeds & hooks"
    name = name.split(".")[0]
    if name.startswith(("base_", "stg_")):
        return "staging"
    if name.startswith("ml_") or name in ("fct_trainer_recommendations_reranked", "fct_reranker_evaluation"):
        return "python (train, score, re-rank)"
    if name.startswith("fct_segment"):
        return "python (cold-start MMR)"
    if name.startswith("int_"):
        return "intermediate SQL"
    return "marts SQL"


def ladder() -> dict:
    rows = []
    for name, users, trainers, workouts in SCALES:
        folder = generate(name, users, trainers, workouts)
        db = DATA / f"{name}.duckdb"
        db.unlink(missing_ok=True)
        run = dbt_build(folder, db, ROOT / "target" / f"scale_{name}")
        run.update(name=name, events=events_in(folder), users=users, trainers=trainers)
        rows.append(run)
        print(f"  built {name}: {run['wall']:.0f} s", flush=True)
    stages = sorted({s for r in rows for s in r["stages"]})
    print(f"\n{'':<32}" + "".join(f"{r['name']:>10}" for r in rows))
    print(f"{'events':<32}" + "".join(f"{r['events']:>10,}" for r in rows))
    for s in stages:
        print(f"{s + ' (node s)':<32}" + "".join(f"{r['stages'].get(s, 0):>10.1f}" for r in rows))
    print(f"{'total wall s':<32}" + "".join(f"{r['wall']:>10.1f}" for r in rows))
    print(f"{'peak RSS GiB':<32}" + "".join(f"{r['rss_gib']:>10.2f}" for r in rows))
    per_m = [r["wall"] / (r["events"] / 1e6) for r in rows]
    print(f"{'wall s per million events':<32}" + "".join(f"{p:>10.1f}" for p in per_m))
    # stored for `make report` (the docs site's scale-ladder chart)
    stored = ROOT / "bench" / "out" / "scale" / "ladder.json"
    stored.parent.mkdir(parents=True, exist_ok=True)
    keep = ["name", "events", "users", "trainers", "wall", "rss_gib", "stages"]
    stored.write_text(json.dumps({"rows": [{key: r[key] for key in keep} for r in rows]}, indent=2, default=float))
    big = rows[-1]
    check("10M full build wall <= 300 s", big["wall"], 300, "s")
    check("10M peak RSS <= 8 GiB", big["rss_gib"], 8, "GiB")
    check("time per M events at 10M / at 1M <= 1.3", per_m[-1] / per_m[0], 1.3, "x")
    return {r["name"]: r for r in rows}


def check(label: str, value: float, limit: float, unit: str, higher_is_better: bool = False) -> None:
    ok = value >= limit if higher_is_better else value <= limit
    miss = "" if ok else f"  MISSED by {abs(value - limit):.2f} {unit}"
    print(f"target {label}: {value:.2f} {unit} -> {'met' if ok else 'missed'}{miss}")


# ----- side by side: SQL features vs pandas vs the scan floor -----


def pandas_features(events: pd.DataFrame, target_weeks: list[pd.Timestamp], decay: float) -> pd.DataFrame:
    """The straightforward pandas version of int_user_trainer_weeks_aggregated +
    int_user_trainer_features_as_of (the as-of sums, decayed sums and engagement counts)."""
    e = events.copy()
    e["event_week"] = e["event_at"].dt.to_period("W-SUN").dt.start_time
    for kind in ("impression", "click", "video_view", "like"):
        e[kind] = (e["event_type"] == kind).astype("int64")
    e["watch"] = np.where(e["event_type"] == "video_view", e["watch_fraction"], 0.0)
    weekly = e.groupby(["user_id", "trainer_id", "event_week"], as_index=False, observed=True).agg(
        impressions=("impression", "sum"),
        clicks=("click", "sum"),
        video_views=("video_view", "sum"),
        likes=("like", "sum"),
        watch_fraction_sum=("watch", "sum"),
    )
    weekly["is_engaged"] = (weekly["clicks"] + weekly["video_views"] + weekly["likes"]) > 0
    parts = []
    for t in target_weeks:
        h = weekly[weekly["event_week"] < t].copy()
        h["weeks_back"] = ((t - h["event_week"]).dt.days // 7).astype("int64")
        w = decay ** (h["weeks_back"] - 1)
        for c in ("impressions", "clicks", "video_views", "likes"):
            h[f"{c}_decayed"] = h[c] * w
        h["engaged_weeks_back"] = np.where(h["is_engaged"], h["weeks_back"], np.nan)
        g = h.groupby(["user_id", "trainer_id"], as_index=False, observed=True).agg(
            pair_impressions=("impressions", "sum"),
            pair_clicks=("clicks", "sum"),
            pair_video_views=("video_views", "sum"),
            pair_likes=("likes", "sum"),
            pair_impressions_decayed=("impressions_decayed", "sum"),
            pair_clicks_decayed=("clicks_decayed", "sum"),
            pair_video_views_decayed=("video_views_decayed", "sum"),
            pair_likes_decayed=("likes_decayed", "sum"),
            pair_engaged_weeks=("is_engaged", "sum"),
            pair_weeks_since_engaged=("engaged_weeks_back", "min"),
        )
        g["target_week"] = t
        parts.append(g)
    return pd.concat(parts, ignore_index=True)


def features(scale: str = "10M") -> dict:
    name, users, trainers, workouts = next(s for s in SCALES if s[0] == scale)
    folder = generate(name, users, trainers, workouts)
    db = DATA / f"features_{name}.duckdb"
    db.unlink(missing_ok=True)
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(db)}
    target = ROOT / "target" / f"features_{name}"
    # every user in every target week (no training sample), so pandas can compute the same rows
    vars_ = f"{{raw_data_path: {folder}, max_training_users: 1000000000}}"
    subprocess.run(
        [DBT, "build", "--select", "+int_target_weeks", "--indirect-selection", "cautious", "--vars", vars_,
         "--target-path", str(target)],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [DBT, "run", "--select", "int_user_trainer_weeks_aggregated", "int_user_trainer_features_as_of",
         "--full-refresh", "--vars", vars_, "--target-path", str(target)],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    timings = {
        n["unique_id"].split(".")[-1]: n["execution_time"]
        for n in json.loads((target / "run_results.json").read_text())["results"]
    }
    sql_seconds = timings["int_user_trainer_weeks_aggregated"] + timings["int_user_trainer_features_as_of"]

    con = duckdb.connect(str(db))
    con.sql("create or replace temp table events_copy as select * from staging.stg_platform__events")
    t0 = time.perf_counter()
    con.sql(
        "create or replace temp table scan_floor as select user_id, trainer_id, event_week, count(*) as n "
        "from events_copy group by all"
    )
    floor_seconds = time.perf_counter() - t0
    # where the SQL time goes: the weekly aggregate model's own compiled query in DuckDB, without
    # dbt's materialisation steps, and the pair running totals alone (one row per pair and active
    # week: the validity-interval form the dense as-of table could be stored in)
    compiled = target / "compiled" / "recwarehouse" / "models" / "intermediate" / "trainer_ranking"
    weekly_sql = (compiled / "int_user_trainer_weeks_aggregated.sql").read_text()
    t0 = time.perf_counter()
    con.sql(f"create or replace temp table weekly_engine as {weekly_sql}")
    weekly_engine_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    con.sql(
        "create or replace temp table running_engine as select user_id, trainer_id, event_week, "
        "lead(event_week) over (partition by user_id, trainer_id order by event_week) as next_event_week, "
        + ", ".join(
            f"sum({c}) over h as {c}_total, sum({c} * pow({DECAY}, -datediff('week', date '2000-01-03', event_week)))"
            f" over h as {c}_scaled"
            for c in ("impressions", "clicks", "video_views", "likes")
        )
        + ", sum(case when clicks + video_views + likes > 0 then 1 else 0 end) over h as engaged_weeks "
        "from weekly_engine window h as (partition by user_id, trainer_id order by event_week "
        "rows between unbounded preceding and current row)"
    )
    running_engine_seconds = time.perf_counter() - t0
    # the write floor: only storing the SQL stage's two output tables again, as dbt stores them
    # (persistent tables in the same file), with nothing computed
    writes = {}
    for table in ("int_user_trainer_weeks_aggregated", "int_user_trainer_features_as_of"):
        t0 = time.perf_counter()
        con.sql(f"create or replace table main.copy_of_{table} as select * from intermediate.{table}")
        writes[table] = time.perf_counter() - t0
    write_seconds = sum(writes.values())
    for table in ("int_user_trainer_weeks_aggregated", "int_user_trainer_features_as_of"):
        con.sql(f"drop table main.copy_of_{table}")
    events = con.sql("select user_id, trainer_id, event_type, event_at, watch_fraction from events_copy").df()
    for col in ("user_id", "trainer_id", "event_type"):
        events[col] = events[col].astype("category")
    weeks = [pd.Timestamp(w) for (w,) in con.sql("select target_week from intermediate.int_target_weeks").fetchall()]
    decay = DECAY
    t0 = time.perf_counter()
    pdf = pandas_features(events, weeks, decay)
    pandas_seconds = time.perf_counter() - t0

    sql = con.sql(
        "select user_id, trainer_id, target_week, pair_impressions, pair_clicks, pair_video_views, pair_likes, "
        "pair_impressions_decayed, pair_clicks_decayed, pair_video_views_decayed, pair_likes_decayed, "
        "pair_engaged_weeks, pair_weeks_since_engaged from intermediate.int_user_trainer_features_as_of"
    ).df()
    keys = ["user_id", "trainer_id", "target_week"]
    a = sql.sort_values(keys).reset_index(drop=True)
    b = pdf.sort_values(keys).reset_index(drop=True)[a.columns]
    same_rows = len(a) == len(b) and (a[keys].astype(str).to_numpy() == b[keys].astype(str).to_numpy()).all()
    numeric = [c for c in a.columns if c not in keys]
    same_values = same_rows and all(
        np.allclose(a[c].astype(float), b[c].astype(float), rtol=1e-9, atol=1e-9, equal_nan=True) for c in numeric
    )
    print(f"\n{name}: {len(events):,} events -> {len(a):,} as-of feature rows over {len(weeks)} target weeks")
    print(f"{'implementation':<44}{'seconds':>10}")
    print(f"{'SQL (weekly aggregates + as-of features)':<44}{sql_seconds:>10.2f}")
    print(f"{'pandas, same features (data in memory)':<44}{pandas_seconds:>10.2f}")
    print(f"{'scan floor: one DuckDB group-by pass':<44}{floor_seconds:>10.2f}")
    print(f"{'  weekly aggregate query alone (no dbt)':<44}{weekly_engine_seconds:>10.2f}")
    print(f"{'  pair running totals alone (interval form)':<44}{running_engine_seconds:>10.2f}")
    print(f"{'write floor: storing the two outputs again':<44}{write_seconds:>10.2f}")
    print(f"{'  the weekly table alone':<44}{writes['int_user_trainer_weeks_aggregated']:>10.2f}")
    print(f"same rows: {same_rows}; same numbers (1e-9): {same_values}")
    check("pandas / SQL >= 10", pandas_seconds / sql_seconds, 10, "x", higher_is_better=True)
    check("SQL / scan floor <= 3", sql_seconds / floor_seconds, 3, "x")
    print(
        f"storing the outputs alone is {write_seconds / floor_seconds:.1f}x the scan floor and "
        f"{pandas_seconds / write_seconds:.1f}x faster than pandas: the bound on both ratios for any "
        "SQL that writes these tables"
    )
    con.close()
    return {"sql": sql_seconds, "pandas": pandas_seconds, "floor": floor_seconds, "write": write_seconds}


# ----- incremental: one new week -----


def drop_last_week(src: Path, dst: Path) -> str:
    """A copy of `src` without its last week of events, sessions and feedback."""
    dst.mkdir(parents=True, exist_ok=True)
    (last,) = duckdb.sql(
        f"select date_trunc('week', max(event_at)) from read_parquet('{src}/events.parquet')"
    ).fetchone()
    for table, col in (("events", "event_at"), ("sessions", "started_at"), ("feedback", "feedback_at")):
        duckdb.sql(
            f"copy (select * from read_parquet('{src}/{table}.parquet') where {col} < timestamp '{last}') "
            f"to '{dst}/{table}.parquet' (format parquet)"
        )
    for table in ("users", "trainers", "workouts"):
        shutil.copy(src / f"{table}.parquet", dst / f"{table}.parquet")
    return str(last.date())


def incremental(scale: str = "10M", full_wall: float | None = None, cadence: int = 4) -> dict:
    name, users, trainers, workouts = next(s for s in SCALES if s[0] == scale)
    folder = generate(name, users, trainers, workouts)
    older = DATA / f"{name}_minus_last_week"
    last = drop_last_week(folder, older)
    db = DATA / f"incremental_{name}.duckdb"
    db.unlink(missing_ok=True)
    first = dbt_build(older, db, ROOT / "target" / f"inc_{name}_a")
    kept = DATA / "cadence" / db.name  # the same 11-week warehouse (same file name: views name their catalog)
    kept.parent.mkdir(exist_ok=True)
    shutil.copy(db, kept)
    step = dbt_build(folder, db, ROOT / "target" / f"inc_{name}_b")
    step_kept = dbt_build(folder, kept, ROOT / "target" / f"inc_{name}_c", f"retrain_every_weeks: {cadence}")
    with duckdb.connect(str(kept), read_only=True) as con:
        trained = con.sql("select distinct trained_because from ml.ml_ranker_registry").fetchall()
    kept.unlink()
    if full_wall is None:
        db_full = DATA / f"full_{name}.duckdb"
        db_full.unlink(missing_ok=True)
        full_wall = dbt_build(folder, db_full, ROOT / "target" / f"full_{name}")["wall"]
    print(f"\n{name}: build on 11 weeks, then the week of {last} arrives")
    print(f"{'run':<48}{'wall s':>10}{'/ full':>8}")
    print(f"{'full build, 11 weeks':<48}{first['wall']:>10.1f}")
    print(f"{'full build, 12 weeks':<48}{full_wall:>10.1f}{1:>8.2f}")
    label = f"add the week, retrain_every_weeks {cadence}"
    print(f"{'add the week, retrain every week (default)':<48}{step['wall']:>10.1f}{step['wall'] / full_wall:>8.2f}")
    print(f"{label:<48}{step_kept['wall']:>10.1f}{step_kept['wall'] / full_wall:>8.2f}")
    print(f"  (registry after it: {'; '.join(t for (t,) in trained)})")
    print(f"{'node seconds by stage':<48}{'default':>10}{'cadence':>8}")
    for s in sorted(step["stages"]):
        print(f"  {s:<46}{step['stages'][s]:>10.1f}{step_kept['stages'].get(s, 0):>8.1f}")
    check("adding one week / full build <= 0.30 (default)", step["wall"] / full_wall, 0.30, "x")
    check(
        f"adding one week / full build <= 0.30 (retrain_every_weeks {cadence})",
        step_kept["wall"] / full_wall,
        0.30,
        "x",
    )
    return {"full": full_wall, "step": step["wall"], "step_kept": step_kept["wall"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["ladder", "features", "incremental", "all"])
    ap.add_argument("--scale", default="10M", choices=[s[0] for s in SCALES])
    ap.add_argument(
        "--features-scale",
        default="3M",
        choices=[s[0] for s in SCALES],
        help="the side-by-side holds every as-of row in pandas and in SQL at once: 3M fits 24 GiB",
    )
    ap.add_argument("--full-wall", type=float, help="incremental: reuse a full build's wall seconds")
    ap.add_argument("--cadence", type=int, default=4, help="incremental: retrain_every_weeks of the second step")
    a = ap.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    if a.what in ("ladder", "all"):
        runs = ladder()
    if a.what in ("features", "all"):
        features(a.features_scale)
    if a.what in ("incremental", "all"):
        incremental(a.scale, full_wall=runs[a.scale]["wall"] if a.what == "all" else a.full_wall, cadence=a.cadence)


if __name__ == "__main__":
    from recorded import recorded

    recorded("scale", main)()
