"""Per segment: the MMR list against the plain top-k by score (intra-list similarity, relevance
kept), made segment by segment where the candidates are (on Spark, on the executors)."""

from recwarehouse.cold_start.mmr import SEGMENT_COMPARISON_SCHEMA, segment_comparison
from recwarehouse.engine import tables


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    tags = data.read(dbt.ref("stg_platform__workout_tags"), ["workout_id", "tag"])
    workouts = data.read(dbt.ref("stg_platform__workouts"), ["workout_id"])
    compare = segment_comparison(
        tags,
        sorted(workouts["workout_id"]),
        k=int(dbt.config.get("segment_list_size")),
        lam=float(dbt.config.get("mmr_lambda")),
        same_trainer_similarity=float(dbt.config.get("mmr_same_trainer_similarity")),
    )
    return data.map_groups(dbt.ref("int_segment_candidates_filled"), "segment_key", compare, SEGMENT_COMPARISON_SCHEMA)
