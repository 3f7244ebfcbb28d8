"""Which interactions model is served, and why: every model of the family `interactions_mode`
serves against the family's best on validation NDCG@`interactions_k`, with the paired bootstrap
interval of the difference over the validation users; the best serves
(`recwarehouse.interactions.choice`). Reads the per-user
validation NDCG onto the driver (at most `tuning_users` users per model), on either engine."""

from recwarehouse.engine import tables
from recwarehouse.interactions.choice import CHOICE_SCHEMA, choose_served

# each evaluated validation user's NDCG@K per model, with the model's family as the summary names it
PER_USER_SQL = """
select p.model, p.model_id, s.model_family, p.user_id, p.ndcg_at_k
from {per_user} as p
inner join {summary} as s on s.fold = p.fold and s.model_id = p.model_id and s.k = p.k
where p.fold = 'validation' and p.k = {k}
"""


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k = int(dbt.config.get("interactions_k"))
    per_user = data.read(
        data.sql(
            PER_USER_SQL.replace("{k}", str(k)),
            per_user=dbt.ref("fct_interaction_eval_per_user"),
            summary=dbt.ref("fct_interaction_eval_summary"),
        )
    )
    choice = choose_served(
        per_user,
        mode=str(dbt.config.get("interactions_mode")),
        resamples=int(dbt.config.get("bootstrap_resamples")),
        seed=int(dbt.config.get("random_seed")),
        k=k,
    )
    return data.result(choice, CHOICE_SCHEMA)
