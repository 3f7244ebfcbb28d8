"""How the trainer lists are served, chosen on the validation week's lists as served: one row per
rule weight tried (`serving_rule_weights`, plus 0, 1 and `ensemble_rule_weight`) with the lists'
NDCG@K and the rest, and `is_selected` on the weight serving uses (see
`recwarehouse.trainer_ranking.serving`). `int_trainer_scores_blended` serves with that row."""

import json

from recwarehouse.progress import log
from recwarehouse.trainer_ranking.serving import model_fallback_reason, select_serving, week_positives


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("k"))
    requested = str(dbt.config.get("recommendation_mode"))
    registry = dbt.ref("ml_ranker_registry").df()
    validation = dbt.ref("int_trainer_scores_scaled").filter("split = 'validation'").df()
    week = dbt.ref("int_target_weeks").filter("split = 'validation'")
    positives = week_positives(dbt.ref("int_user_trainer_weeks_aggregated"), dbt.ref("int_target_weeks"))
    (n_catalog,) = dbt.ref("stg_platform__trainers").aggregate("count(*)").fetchone()
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
    (validation_week,) = week.aggregate("max(target_week)").fetchone()
    selection["validation_week"] = validation_week
    return selection
