"""Outcome-loop backtest: serve the demo's weeks 4..8 in turn, under each recommendation mode,
appending to `fct_recommendations_served`, then read `fct_recommendation_outcomes`.

    make backtest        (or: python bench/backtest.py [--weeks 4 5 6 7 8] [--db backtest.duckdb])

For serve week W the features read weeks < W only, the ranker trains on target weeks 2..W-2 and is
validated on W-1, so every list is what the warehouse would have served on W's Monday. Realised
rates come from the logged events of week W. The logs were not produced by these lists, so this is
an offline replay (does the list agree with what users went on to do?), the stand-in for an A/B
test, not one. Runs in its own DuckDB file so the main warehouse is untouched.

Each week is also re-ranked by the second stage (`fct_trainer_recommendations_reranked`, on the
auto mode's base stage), and its top K set beside the lists served in auto mode: clicks per list
(listed trainers the user clicked that week), engagement per list, the most listed trainer's share
and intra-list diversity, so the design's "5-10% more clicks" is measured.
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
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from recwarehouse.trainer_ranking.rerank import intra_list_similarity  # noqa: E402
from recwarehouse.trainer_ranking.trainer_sets import warehouse_trainer_sets  # noqa: E402

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
    lists = []  # per week: the auto mode's served top K and the second stage's
    for i in a.weeks:
        for j, mode in enumerate(MODES):
            vars_ = (
                f"{{raw_data_path: {a.data}, serve_week: '{monday(i)}', validation_week: '{monday(i - 1)}', "
                f"first_target_week: '{monday(2)}', recommendation_mode: {mode}}}"
            )
            select = "+fct_recommendations_served" if j == 0 else "ml_serving_selection+"
            dbt(["build", "--select", select, "--indirect-selection", "cautious", "--vars", vars_], db)
            if j == 0:
                second_stage = "int_trainer_rerank_candidates fct_trainer_recommendations_reranked"
                dbt(["build", "--select", second_stage, "--vars", vars_], db)
                lists.append(week_lists(db, monday(i)))
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

    print(served_against_reranked(db, pd.concat(lists, ignore_index=True)))


def week_lists(db: Path, week: date) -> pd.DataFrame:
    """The serve week's lists in auto mode (top K) and re-ranked by the second stage (its top K)."""
    with duckdb.connect(str(db), read_only=True) as con:
        served = con.sql(
            f"select user_id, trainer_id, rank from marts.fct_trainer_recommendations where serve_week = date '{week}'"
        ).df()
        k = int(served["rank"].max())
        reranked = con.sql(
            "select user_id, trainer_id, rank from marts.fct_trainer_recommendations_reranked"
            f" where split = 'serve' and target_week = date '{week}' and rank <= {k}"
        ).df()
    return pd.concat([served.assign(lists="served (auto)"), reranked.assign(lists="re-ranked")]).assign(week=week)


def served_against_reranked(db: Path, lists: pd.DataFrame) -> str:
    """Clicks and engagement per list, the most listed trainer's share and intra-list diversity,
    over every week, for the lists served in auto mode and the second stage's."""
    with duckdb.connect(str(db), read_only=True) as con:
        weekly = con.sql(
            "select user_id, trainer_id, event_week as week, clicks > 0 as clicked, is_engaged"
            " from intermediate.int_user_trainer_weeks_aggregated"
        ).df()
        sets = warehouse_trainer_sets(con)
    weekly["week"] = pd.to_datetime(weekly["week"]).dt.date
    joined = lists.merge(weekly, on=["user_id", "trainer_id", "week"], how="left")
    joined[["clicked", "is_engaged"]] = joined[["clicked", "is_engaged"]].fillna(False).astype(int)
    rows = []
    for name, group in joined.groupby("lists", sort=False):
        n_lists = group[["week", "user_id"]].drop_duplicates().shape[0]
        weeks = [week_rows for _, week_rows in group.groupby("week")]
        top_share = sum(w.groupby("trainer_id").size().max() / w["user_id"].nunique() for w in weeks) / len(weeks)
        varied = sum(1 - intra_list_similarity(w, sets).mean() for w in weeks) / len(weeks)
        rows.append(
            {
                "lists": name,
                "lists_served": n_lists,
                "clicks_per_list": group["clicked"].sum() / n_lists,
                "engaged_per_list": group["is_engaged"].sum() / n_lists,
                "top_trainer_share": top_share,
                "intra_list_diversity": varied,
            }
        )
    table = pd.DataFrame(rows)
    base = table.iloc[0]
    table["clicks_vs_served"] = table["clicks_per_list"] / base["clicks_per_list"] - 1
    return (
        "\nserved (auto) against re-ranked, every week (clicks per list: listed trainers the user clicked"
        " that week):\n" + table.round(4).to_string(index=False)
    )


if __name__ == "__main__":
    from recorded import recorded

    recorded("backtest", main)()
