"""Weekly trainer ranking vs the oracle, on the demo data (run `make build` first).

    python bench/ranking_vs_oracle.py [--warehouse warehouse.duckdb] [--truth data/demo/truth]

Prints each ranker's validation NDCG@K and P@K (from marts.fct_ranker_leaderboard) beside two
oracles computed with the same metric code on the same users and labels:
  oracle (all trainers)   every trainer ranked by the generator's true P(label) for that week:
                          the ceiling no ranker can beat;
  oracle (candidates)     the same, restricted to the warehouse's candidates: the ceiling for
                          any ranker given the candidate generator.
Targets (issue 3): chosen model >= 90% of the oracle's NDCG@K; >= 1.25x the popularity baseline.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pandas as pd

from recwarehouse.metrics import summary_metrics


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warehouse", default="warehouse.duckdb")
    ap.add_argument("--truth", default="data/demo/truth")
    a = ap.parse_args()
    con = duckdb.connect(a.warehouse, read_only=True)
    board = con.sql("select * from marts.fct_ranker_leaderboard").df()
    k = int(board["k"].iloc[0])
    week = con.sql("select target_week from intermediate.int_target_weeks where split = 'validation'").fetchone()[0]
    labels = con.sql(
        f"select user_id, trainer_id, 1 as label from intermediate.int_user_trainer_weeks_aggregated "
        f"where is_engaged and event_week = date '{week}'"
    ).df()
    n_relevant = labels.groupby("user_id").size()
    n_catalog = con.sql("select count(*) from staging.stg_platform__trainers").fetchone()[0]
    truth = duckdb.sql(
        f"select user_id, trainer_id, p_label as score from read_parquet('{Path(a.truth) / 'propensities.parquet'}') "
        f"where target_week = date '{week}'"
    ).df()
    truth = truth.merge(labels, how="left", on=["user_id", "trainer_id"]).fillna({"label": 0})
    candidates = con.sql(
        f"select user_id, trainer_id from intermediate.int_trainer_ranking_examples where target_week = date '{week}'"
    ).df()
    oracle_all = summary_metrics(truth, n_relevant, k, n_catalog, item="trainer_id")
    oracle_cand = summary_metrics(
        truth.merge(candidates, on=["user_id", "trainer_id"]), n_relevant, k, n_catalog, item="trainer_id"
    )
    rows = [
        {"ranker": "oracle (all trainers)", "ndcg": oracle_all["ndcg_at_k"], "precision": oracle_all["precision_at_k"]},
        {"ranker": "oracle (candidates)", "ndcg": oracle_cand["ndcg_at_k"], "precision": oracle_cand["precision_at_k"]},
    ]
    for r in board.itertuples():
        name = r.algorithm + (" (chosen)" if r.is_selected else "")
        rows.append({"ranker": name, "ndcg": r.ndcg_at_k, "precision": r.precision_at_k})
    table = pd.DataFrame(rows)
    table["% of oracle NDCG"] = 100 * table["ndcg"] / oracle_all["ndcg_at_k"]
    print(f"validation week {week}, K = {k}, users evaluated {oracle_all['users_evaluated']}")
    print(f"{'ranker':<32}{'NDCG@' + str(k):>10}{'P@' + str(k):>10}{'% of oracle':>14}")
    for r in table.itertuples():
        print(f"{r.ranker:<32}{r.ndcg:>10.4f}{r.precision:>10.4f}{r[4]:>13.2f}%")
    chosen = board[board.is_selected].iloc[0]
    pop = board[board.algorithm == "popularity"].iloc[0]
    share = chosen.ndcg_at_k / oracle_all["ndcg_at_k"]
    lift = chosen.ndcg_at_k / pop.ndcg_at_k
    print(
        f"\nchosen {chosen.algorithm}: {100 * share:.2f}% of oracle NDCG@{k} (target >= 90%: "
        f"{'met' if share >= 0.9 else f'missed by {100 * (0.9 - share):.2f} points'})"
    )
    print(
        f"chosen / popularity NDCG@{k}: {lift:.3f}x (target >= 1.25x: "
        f"{'met' if lift >= 1.25 else f'missed by {1.25 - lift:.3f}x'})"
    )


if __name__ == "__main__":
    main()
