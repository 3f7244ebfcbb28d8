"""Second stage: each user's base-stage top candidates re-ranked for score, freshness, popularity
and diversity; top `rerank_list_size` per user for the validation and serve weeks. The re-ranker
is fitted on the driver from the validation week (a seeded sample of users); the serve week's
candidates (every user) are re-ranked user by user where they are (`recwarehouse.engine`: on
Spark, on the executors, with the fitted stage shipped to them)."""

from recwarehouse.engine import tables
from recwarehouse.progress import log
from recwarehouse.trainer_ranking.rerank import RERANKED_SCHEMA, SecondStage, with_names
from recwarehouse.trainer_ranking.trainer_sets import trainer_sets


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    candidates = dbt.ref("int_trainer_rerank_candidates")
    validation = data.read(candidates, where="split = 'validation'", order="user_id, base_rank")
    specialities = data.read(dbt.ref("stg_platform__trainer_specialities"), ["trainer_id", "speciality"])
    workouts = data.read(dbt.ref("stg_platform__workouts"), ["trainer_id", "workout_type"])
    names = data.read(dbt.ref("stg_platform__trainers"), ["trainer_id", "trainer_name"])
    stage = SecondStage(
        validation,
        trainer_sets(specialities, workouts),
        list_size=int(dbt.config.get("rerank_list_size")),
        negative_ratio=float(dbt.config.get("rerank_negative_ratio")),
        min_positives=int(dbt.config.get("rerank_min_positives")),
        seed=int(dbt.config.get("random_seed")),
    )
    info = stage.info
    log(
        f"re-ranker {info['reranker']}: {info['positives']:,} explicit positives, {info['training_rows']:,}"
        f" training rows from {validation['user_id'].nunique():,} validation users"
    )
    serve = with_names(stage, names)
    return data.concat(
        [
            data.result(serve(validation, lists=stage.validation_lists()), RERANKED_SCHEMA),
            data.map_groups(candidates, "user_id", serve, RERANKED_SCHEMA, where="split = 'serve'"),
        ]
    )
