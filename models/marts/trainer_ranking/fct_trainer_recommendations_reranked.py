"""Second stage: each user's base-stage top candidates re-ranked greedily for a blend of the base
score, a score learned from the validation week's behaviour, diversity and exposure; top
`rerank_list_size` per user for the validation and serve weeks. The learned score and the blend
are fitted and chosen on the driver from the validation week (a seeded sample of users); the serve
week's candidates (every user) are re-ranked user by user where they are (`recwarehouse.engine`:
on Spark, on the executors, with the fitted stage and the serve week's exposure shares shipped to
them)."""

from recwarehouse.engine import tables
from recwarehouse.progress import log
from recwarehouse.trainer_ranking.rerank import EXPOSURE_SQL, RERANKED_SCHEMA, SecondStage, grid_summary, with_names
from recwarehouse.trainer_ranking.trainer_sets import trainer_sets


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    candidates = dbt.ref("int_trainer_rerank_candidates")
    k = int(dbt.config.get("k"))
    validation = data.read(candidates, where="split = 'validation'", order="user_id, base_rank")
    specialities = data.read(dbt.ref("stg_platform__trainer_specialities"), ["trainer_id", "speciality"])
    workouts = data.read(dbt.ref("stg_platform__workouts"), ["trainer_id", "workout_type"])
    names = data.read(dbt.ref("stg_platform__trainers"), ["trainer_id", "trainer_name"])
    stage = SecondStage(
        validation,
        trainer_sets(specialities, workouts),
        list_size=int(dbt.config.get("rerank_list_size")),
        k=k,
        min_positives=int(dbt.config.get("rerank_min_positives")),
        seed=int(dbt.config.get("random_seed")),
    )
    info = stage.info
    log(
        f"re-ranker {info['reranker']}: {info['positives']:,} positives (engaged trainers) in {info['training_rows']:,}"
        f" training rows from {validation['user_id'].nunique():,} validation users"
    )
    log(grid_summary(stage.grid, k))
    shares = data.read(data.sql(EXPOSURE_SQL.replace("{k}", str(k)), candidates=candidates), order="trainer_id")
    serve = with_names(stage.for_serving(shares.set_index("trainer_id")["exposure"]), names)
    return data.concat(
        [
            data.result(serve(validation, lists=stage.validation_lists()), RERANKED_SCHEMA),
            data.map_groups(candidates, "user_id", serve, RERANKED_SCHEMA, where="split = 'serve'"),
        ]
    )
