"""MMR-diversified cold-start lists: exactly `segment_list_size` workouts per segment. Segments are
independent, so the lists are made segment by segment where the candidates are (on Spark, on the
executors); the tag vectors need only the catalogue's tags (`recwarehouse.cold_start.mmr`)."""

from recwarehouse.cold_start.mmr import SEGMENT_LIST_SCHEMA, segment_lists
from recwarehouse.engine import tables


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    tags = data.read(dbt.ref("stg_platform__workout_tags"), ["workout_id", "tag"])
    workouts = data.read(dbt.ref("stg_platform__workouts"), ["workout_id", "title as workout_title", "workout_type"])
    trainers = data.read(dbt.ref("stg_platform__trainers"), ["trainer_id", "trainer_name"])
    as_of_date = data.value(dbt.ref("int_cold_start_as_of"), "max(as_of_date)")
    lists = segment_lists(
        tags,
        workouts,
        trainers,
        as_of_date,
        k=int(dbt.config.get("segment_list_size")),
        lam=float(dbt.config.get("mmr_lambda")),
        same_trainer_similarity=float(dbt.config.get("mmr_same_trainer_similarity")),
    )
    return data.map_groups(dbt.ref("int_segment_candidates_filled"), "segment_key", lists, SEGMENT_LIST_SCHEMA)
