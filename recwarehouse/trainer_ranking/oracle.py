"""The trainer leaderboard beside the generator's oracle (generated worlds only: `truth/`).

Computed with the warehouse's own metric code on the same users and labels as the leaderboard
(the validation week's users that have candidates and a label):
  oracle (all trainers)   every trainer ranked by the generator's true P(label) that week: the
                          ceiling no ranker can beat;
  oracle (candidates)     the same, restricted to the warehouse's candidates: the ceiling for any
                          ranker given the candidate generator.
Used by `bench/ranking_vs_oracle.py` and the docs site's leaderboard chart (`recwarehouse.report`).
Nothing in dbt reads `truth/`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from recwarehouse.metrics import summary_metrics


def leaderboard_vs_oracle(warehouse: Path, truth_dir: Path) -> tuple[pd.DataFrame, dict]:
    """Each ranker of `marts.fct_ranker_leaderboard` beside the oracles, on the validation week's
    evaluated users: (one row per ranker and oracle with ndcg, precision, pct_oracle; summary)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    board = con.sql("select * from marts.fct_ranker_leaderboard").df()
    k = int(board["k"].iloc[0])
    week = con.sql("select target_week from intermediate.int_target_weeks where split = 'validation'").fetchone()[0]
    candidates = con.sql(
        f"select user_id, trainer_id from intermediate.int_trainer_ranking_examples where target_week = date '{week}'"
    ).df()
    labels = con.sql(
        f"select user_id, trainer_id, 1 as label from intermediate.int_user_trainer_weeks_aggregated "
        f"where is_engaged and event_week = date '{week}'"
    ).df()
    # the same users as the leaderboard: those with candidates (the week's sample) and a positive
    labels = labels[labels["user_id"].isin(set(candidates["user_id"]))]
    n_relevant = labels.groupby("user_id").size()
    n_catalog = con.sql("select count(*) from staging.stg_platform__trainers").fetchone()[0]
    truth = duckdb.sql(
        f"select user_id, trainer_id, p_label as score from read_parquet('{truth_dir / 'propensities.parquet'}') "
        f"where target_week = date '{week}'"
    ).df()
    truth = truth[truth["user_id"].isin(n_relevant.index)]
    truth = truth.merge(labels, how="left", on=["user_id", "trainer_id"]).fillna({"label": 0})
    oracle_all = summary_metrics(truth, n_relevant, k, n_catalog, item="trainer_id")
    oracle_cand = summary_metrics(
        truth.merge(candidates, on=["user_id", "trainer_id"]), n_relevant, k, n_catalog, item="trainer_id"
    )
    rows = [
        {"ranker": "oracle (all trainers)", "ndcg": oracle_all["ndcg_at_k"], "precision": oracle_all["precision_at_k"]},
        {"ranker": "oracle (candidates)", "ndcg": oracle_cand["ndcg_at_k"], "precision": oracle_cand["precision_at_k"]},
    ]
    for r in board.itertuples():
        rows.append(
            {
                "ranker": r.algorithm + (" (chosen)" if r.is_selected else ""),
                "ndcg": r.ndcg_at_k,
                "precision": r.precision_at_k,
                "fit_seconds": r.fit_seconds,
                "users": r.users_evaluated,
            }
        )
    table = pd.DataFrame(rows)
    table["pct_oracle"] = 100 * table["ndcg"] / oracle_all["ndcg_at_k"]
    chosen = board[board.is_selected].iloc[0]
    popularity = board[board.algorithm == "popularity"].iloc[0]
    summary = {
        "week": week,
        "k": k,
        "users": int(oracle_all["users_evaluated"]),
        "leaderboard_users": int(chosen.users_evaluated),
        "chosen": chosen.algorithm,
        "pct_oracle": 100 * chosen.ndcg_at_k / oracle_all["ndcg_at_k"],
        "lift": chosen.ndcg_at_k / popularity.ndcg_at_k,
        "fit_seconds": float(board["fit_seconds"].sum()),  # fits side by side overlap: not wall time
    }
    return table, summary
