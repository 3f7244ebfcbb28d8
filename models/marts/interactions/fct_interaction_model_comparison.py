"""Is the served model's lead more than noise? For each K of `interactions_ks`, the served model
(`fct_interaction_model_choice`) against the runner-up (the best other model on validation
NDCG@`interactions_k`), on the test fold: the mean per-user
difference in NDCG@K and its paired bootstrap interval over users (seeded). Reads the two models'
per-user NDCG on the test fold (its evaluated users, at most `evaluation_users`) onto the driver,
on either engine (`recwarehouse.engine`)."""

import json

import pandas as pd

from recwarehouse.engine import tables
from recwarehouse.interactions.choice import runner_up
from recwarehouse.metrics import paired_bootstrap

COLUMNS = [
    "fold", "k", "metric", "chosen_model", "chosen_model_id", "runner_up_model", "runner_up_model_id", "users",
    "chosen_mean", "runner_up_mean", "difference", "ci_low", "ci_high", "level", "resamples", "lead_is_clear",
]  # fmt: skip
SCHEMA = (
    "fold string, k int, metric string, chosen_model string, chosen_model_id string, runner_up_model string,"
    " runner_up_model_id string, users bigint, chosen_mean double, runner_up_mean double, difference double,"
    " ci_low double, ci_high double, level double, resamples int, lead_is_clear boolean"
)


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k_choice = int(dbt.config.get("interactions_k"))
    ks = [int(k) for k in json.loads(dbt.config.get("interactions_ks"))]
    resamples = int(dbt.config.get("bootstrap_resamples"))
    seed = int(dbt.config.get("random_seed"))
    summary = dbt.ref("fct_interaction_eval_summary")
    ranked = data.read(summary, where=f"fold = 'validation' and k = {k_choice}", order="ndcg_at_k desc, model_id")
    choice = data.read(dbt.ref("fct_interaction_model_choice"), ["model", "model_id", "is_served"])
    second = runner_up(choice, ranked)
    if second is None:
        return data.result(pd.DataFrame(columns=COLUMNS), SCHEMA)
    chosen = ranked[ranked["model_id"] == choice.loc[choice["is_served"], "model_id"].iloc[0]].iloc[0]
    per_user = data.read(
        dbt.ref("fct_interaction_eval_per_user"),
        ["model_id", "k", "user_id", "ndcg_at_k"],
        where=f"fold = 'test' and model_id in ('{chosen.model_id}', '{second.model_id}')",
    )
    rows = []
    for k in ks:
        wide = per_user[per_user["k"] == k].pivot(index="user_id", columns="model_id", values="ndcg_at_k").sort_index()
        a, b = wide[chosen.model_id].to_numpy(), wide[second.model_id].to_numpy()
        ci = paired_bootstrap(a, b, resamples, seed)
        rows.append(
            {
                "fold": "test", "k": k, "metric": "ndcg_at_k", "chosen_model": chosen.model,
                "chosen_model_id": chosen.model_id, "runner_up_model": second.model,
                "runner_up_model_id": second.model_id, "users": len(wide), "chosen_mean": round(float(a.mean()), 9),
                "runner_up_mean": round(float(b.mean()), 9), "difference": round(ci["difference"], 9),
                "ci_low": round(ci["ci_low"], 9), "ci_high": round(ci["ci_high"], 9), "level": 0.95,
                "resamples": resamples, "lead_is_clear": bool(ci["ci_low"] > 0),
            }
        )  # fmt: skip
    return data.result(pd.DataFrame(rows, columns=COLUMNS), SCHEMA)
