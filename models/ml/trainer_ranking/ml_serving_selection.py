"""How the trainer lists are served, chosen on the validation week's lists as served: one row per
rule weight tried (`serving_rule_weights`, plus 0, 1 and `ensemble_rule_weight`) with the lists'
NDCG@K and the rest, and `is_selected` on the weight serving uses (see
`recwarehouse.trainer_ranking.serving`). `int_trainer_scores_blended` serves with that row. Reads
the validation week's scaled scores on the driver, on either engine: the validation week holds a
seeded sample of at most `max_training_users` users."""

import json

from recwarehouse.engine import tables
from recwarehouse.progress import log
from recwarehouse.trainer_ranking.serving import (
    SELECTION_SCHEMA,
    model_fallback_reason,
    select_serving,
    week_positives,
)


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k = int(dbt.config.get("k"))
    requested = str(dbt.config.get("recommendation_mode"))
    registry = data.read(dbt.ref("ml_ranker_registry"), order="model_id")
    validation = data.read(
        dbt.ref("int_trainer_scores_scaled"), where="split = 'validation'", order="user_id, trainer_id"
    )
    target_weeks = dbt.ref("int_target_weeks")
    positives = week_positives(data, dbt.ref("int_user_trainer_weeks_aggregated"), target_weeks)
    n_catalog = data.value(dbt.ref("stg_platform__trainers"), "count(*)")
    grid = json.loads(dbt.config.get("serving_rule_weights"))
    fallback = model_fallback_reason(registry, requested, float(dbt.config.get("min_model_lift")))
    selection = select_serving(
        validation,
        positives,
        fallback,
        requested,
        ensemble_rule_weight=float(dbt.config.get("ensemble_rule_weight")),
        grid=[float(w) for w in grid],
        tolerance=float(dbt.config.get("serving_rule_weight_tolerance")),
        min_users=int(dbt.config.get("serving_min_validation_users")),
        k=k,
        n_catalog=int(n_catalog),
    )
    for row in selection.itertuples():
        log(
            f"validation lists at rule weight {row.rule_weight:g} ({row.mode}): NDCG@{k} {row.ndcg_at_k:.4f},"
            f" top trainer in {row.top_trainer_share:.0%} of lists"
        )
    log(selection["selection_reason"].iloc[0])
    selection["validation_week"] = data.value(target_weeks, "max(target_week)", where="split = 'validation'")
    return data.result(selection, SELECTION_SCHEMA)
