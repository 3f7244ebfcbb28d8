"""Before vs after re-ranking on the validation week (and the base stage under each mode). Reads
the validation week (a seeded sample of at most `max_training_users` users) on the driver, on
either engine (`recwarehouse.engine`)."""

from recwarehouse.engine import tables
from recwarehouse.trainer_ranking.rerank import RERANKER_EVALUATION_SCHEMA, evaluate_validation
from recwarehouse.trainer_ranking.serving import week_positives
from recwarehouse.trainer_ranking.trainer_sets import trainer_sets


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k = int(dbt.config.get("k"))  # the length of the lists users are served
    validation = "split = 'validation'"
    blended = data.read(dbt.ref("int_trainer_scores_blended"), where=validation, order="user_id, trainer_id")
    candidates = data.read(dbt.ref("int_trainer_rerank_candidates"), where=validation, order="user_id, base_rank")
    reranked = data.read(dbt.ref("fct_trainer_recommendations_reranked"), where=validation, order="user_id, rank")
    positives = week_positives(data, dbt.ref("int_user_trainer_weeks_aggregated"), dbt.ref("int_target_weeks"))
    specialities = data.read(dbt.ref("stg_platform__trainer_specialities"), ["trainer_id", "speciality"])
    workouts = data.read(dbt.ref("stg_platform__workouts"), ["trainer_id", "workout_type"])
    n_catalog = data.value(dbt.ref("stg_platform__trainers"), "count(*)")
    evaluation = evaluate_validation(
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
    return data.result(evaluation, RERANKER_EVALUATION_SCHEMA)
