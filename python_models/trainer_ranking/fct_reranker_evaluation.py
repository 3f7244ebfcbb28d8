"""Before vs after re-ranking on the validation week (and the base stage under each mode)."""

from recwarehouse.trainer_ranking.rerank import evaluate_validation
from recwarehouse.trainer_ranking.serving import week_positives
from recwarehouse.trainer_ranking.trainer_sets import trainer_sets


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("rerank_list_size"))
    blended = dbt.ref("int_trainer_scores_blended").filter("split = 'validation'").df()
    candidates = dbt.ref("int_trainer_rerank_candidates").filter("split = 'validation'").df()
    reranked = dbt.ref("fct_trainer_recommendations_reranked").filter("split = 'validation'").df()
    positives = week_positives(dbt.ref("int_user_trainer_weeks_aggregated"), dbt.ref("int_target_weeks"))
    specialities = dbt.ref("stg_platform__trainer_specialities").df()
    workouts = dbt.ref("stg_platform__workouts").df()
    n_catalog = len(dbt.ref("stg_platform__trainers").project("trainer_id").df())
    return evaluate_validation(
        blended,
        candidates,
        reranked,
        positives,
        trainer_sets(specialities, workouts),
        k=k,
        ensemble_rule_weight=float(dbt.config.get("ensemble_rule_weight")),
        n_catalog=n_catalog,
        served=blended[["user_id", "trainer_id", "served_rank"]].rename(columns={"served_rank": "rank"}),
    )
