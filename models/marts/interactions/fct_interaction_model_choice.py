"""Which interactions model is served, and why: every model of the family `interactions_mode`
serves against the family's best on validation NDCG@`interactions_k`, with the paired bootstrap
interval of the difference over the validation users; the best serves
(`recwarehouse.interactions.choice`). Reads the per-user
validation NDCG onto the driver (at most `tuning_users` users per model), on either engine."""

from recwarehouse.engine import tables
from recwarehouse.interactions.choice import CHOICE_SCHEMA, choose_served


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k = int(dbt.config.get("interactions_k"))
    per_user = data.read(
        dbt.ref("fct_interaction_eval_per_user"),
        ["model", "model_id", "user_id", "ndcg_at_k"],
        where=f"fold = 'validation' and k = {k}",
    )
    choice = choose_served(
        per_user,
        mode=str(dbt.config.get("interactions_mode")),
        resamples=int(dbt.config.get("bootstrap_resamples")),
        seed=int(dbt.config.get("random_seed")),
        k=k,
    )
    return data.result(choice, CHOICE_SCHEMA)
