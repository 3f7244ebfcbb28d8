"""Outcome-loop backtest: serve the demo's weeks 4..8 in turn, under each recommendation mode,
appending to `fct_recommendations_served`, then read `fct_recommendation_outcomes`.

    make backtest        (or: python bench/backtest.py [--weeks 4 5 6 7 8] [--db backtest.duckdb])

For serve week W the features read weeks < W only, the ranker trains on target weeks 2..W-2 and is
validated on W-1, so every list is what the warehouse would have served on W's Monday. Realised
rates come from the logged events of week W. The logs were not produced by these lists, so this is
an offline replay (does the list agree with what users went on to do?), the stand-in for an A/B
test, not one. Runs in its own DuckDB file so the main warehouse is untouched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
MODES = ("auto", "ensemble", "model", "rule_based")


def dbt(args: list[str], db: Path) -> None:
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(db)}
    result = subprocess.run([DBT, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"dbt {' '.join(args)} failed:\n{result.stdout[-3000:]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weeks", type=int, nargs="+", default=[4, 5, 6, 7, 8])
    ap.add_argument("--data", default="data/demo")
    ap.add_argument("--db", default="backtest.duckdb")
    a = ap.parse_args()
    db = ROOT / a.db
    db.unlink(missing_ok=True)
    (first,) = duckdb.sql(f"select min(event_at)::date from read_parquet('{ROOT / a.data}/events.parquet')").fetchone()
    week1 = first - timedelta(days=first.weekday())

    def monday(i: int) -> date:
        return week1 + timedelta(weeks=i - 1)

    t0 = time.perf_counter()
    for i in a.weeks:
        for j, mode in enumerate(MODES):
            vars_ = (
                f"{{raw_data_path: {a.data}, serve_week: '{monday(i)}', validation_week: '{monday(i - 1)}', "
                f"first_target_week: '{monday(2)}', recommendation_mode: {mode}}}"
            )
            select = "+fct_recommendations_served" if j == 0 else "ml_serving_selection+"
            dbt(["build", "--select", select, "--indirect-selection", "cautious", "--vars", vars_], db)
            print(f"served week {i} ({monday(i)}) in {mode} mode  [{time.perf_counter() - t0:.0f} s]", flush=True)
    dbt(["build", "--select", "fct_recommendation_outcomes", "--vars", f"{{raw_data_path: {a.data}}}"], db)

    con = duckdb.connect(str(db), read_only=True)
    print("\nrealised rates of the served lists, all weeks (per served row):")
    print(
        con.sql(
            """
            select mode_used, sum(served_rows) as served,
                   round(sum(click_rate * served_rows) / sum(served_rows), 4) as click_rate,
                   round(sum(view_rate * served_rows) / sum(served_rows), 4) as view_rate,
                   round(sum(like_rate * served_rows) / sum(served_rows), 4) as like_rate,
                   round(sum(engagement_rate * served_rows) / sum(served_rows), 4) as engagement_rate,
                   round(sum(helpful_rate * served_rows) / sum(served_rows), 4) as helpful_rate,
                   round(sum(complaint_rate * served_rows) / sum(served_rows), 4) as complaint_rate
            from marts.fct_recommendation_outcomes group by mode_used order by engagement_rate desc
            """
        )
    )
    print("engagement rate by week and mode:")
    print(
        con.sql(
            """
            pivot (select serve_week, mode_used,
                          sum(engagement_rate * served_rows) / sum(served_rows) as rate
                   from marts.fct_recommendation_outcomes group by all)
            on mode_used using round(first(rate), 4) order by serve_week
            """
        )
    )
    print("engagement rate by rank (all modes) and by candidate source:")
    print(
        con.sql(
            """
            select rank, round(sum(engagement_rate * served_rows) / sum(served_rows), 4) as engagement_rate
            from marts.fct_recommendation_outcomes group by rank order by rank
            """
        )
    )
    print(
        con.sql(
            """
            select candidate_source, sum(served_rows) as served,
                   round(sum(engagement_rate * served_rows) / sum(served_rows), 4) as engagement_rate
            from marts.fct_recommendation_outcomes group by 1 order by 3 desc
            """
        )
    )


if __name__ == "__main__":
    from recorded import recorded

    recorded("backtest", main)()
