"""Is the chosen model's lead more than noise? For each K of `interactions_ks`, the model with the
best validation NDCG@`interactions_k` against the runner-up, on the test fold: the mean per-user
difference in NDCG@K and its paired bootstrap interval over users (seeded)."""

import json

import pandas as pd

from recwarehouse.metrics import paired_bootstrap

COLUMNS = [
    "fold", "k", "metric", "chosen_model", "chosen_model_id", "runner_up_model", "runner_up_model_id", "users",
    "chosen_mean", "runner_up_mean", "difference", "ci_low", "ci_high", "level", "resamples", "lead_is_clear",
]  # fmt: skip


def model(dbt, session):
    dbt.config(materialized="table")
    k_choice = int(dbt.config.get("interactions_k"))
    ks = [int(k) for k in json.loads(dbt.config.get("interactions_ks"))]
    resamples = int(dbt.config.get("bootstrap_resamples"))
    seed = int(dbt.config.get("random_seed"))
    ranked = (
        dbt.ref("fct_interaction_eval_summary")
        .filter(f"fold = 'validation' and k = {k_choice}")
        .order("ndcg_at_k desc, model_id")
        .df()
    )
    if len(ranked) < 2:
        return pd.DataFrame(columns=COLUMNS)
    chosen, runner_up = ranked.iloc[0], ranked.iloc[1]
    per_user = (
        dbt.ref("fct_interaction_eval_per_user")
        .filter(f"fold = 'test' and model_id in ('{chosen.model_id}', '{runner_up.model_id}')")
        .project("model_id, k, user_id, ndcg_at_k")
        .df()
    )
    rows = []
    for k in ks:
        wide = per_user[per_user["k"] == k].pivot(index="user_id", columns="model_id", values="ndcg_at_k").sort_index()
        a, b = wide[chosen.model_id].to_numpy(), wide[runner_up.model_id].to_numpy()
        ci = paired_bootstrap(a, b, resamples, seed)
        rows.append(
            {
                "fold": "test", "k": k, "metric": "ndcg_at_k", "chosen_model": chosen.model,
                "chosen_model_id": chosen.model_id, "runner_up_model": runner_up.model,
                "runner_up_model_id": runner_up.model_id, "users": len(wide), "chosen_mean": round(float(a.mean()), 9),
                "runner_up_mean": round(float(b.mean()), 9), "difference": round(ci["difference"], 9),
                "ci_low": round(ci["ci_low"], 9), "ci_high": round(ci["ci_high"], 9), "level": 0.95,
                "resamples": resamples, "lead_is_clear": bool(ci["ci_low"] > 0),
            }
        )  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)
