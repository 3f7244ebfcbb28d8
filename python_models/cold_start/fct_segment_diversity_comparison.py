"""Per segment: the MMR list against the plain top-k by score (intra-list similarity, relevance kept)."""

from recwarehouse.cold_start.mmr import rerank_segments


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("segment_list_size"))
    lam = float(dbt.config.get("mmr_lambda"))
    same_trainer = float(dbt.config.get("mmr_same_trainer_similarity"))
    candidates = dbt.ref("int_segment_candidates_filled").df()
    tags = dbt.ref("stg_platform__workout_tags").df()
    workouts = dbt.ref("stg_platform__workouts").df()
    catalogue = sorted(workouts["workout_id"])
    _, comparison = rerank_segments(candidates, tags, catalogue, k=k, lam=lam, same_trainer_similarity=same_trainer)
    comparison["mmr_lambda"] = lam
    comparison["same_trainer_similarity"] = same_trainer
    return comparison
