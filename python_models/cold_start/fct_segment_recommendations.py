"""MMR-diversified cold-start lists: exactly `segment_list_size` workouts per segment."""

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
    as_of_date = dbt.ref("int_cold_start_as_of").df()["as_of_date"].iloc[0]
    lists, _ = rerank_segments(candidates, tags, catalogue, k=k, lam=lam, same_trainer_similarity=same_trainer)
    lists["as_of_date"] = as_of_date
    names = workouts[["workout_id", "title", "workout_type"]].rename(columns={"title": "workout_title"})
    trainers = dbt.ref("stg_platform__trainers").project("trainer_id, trainer_name").df()
    lists = lists.merge(names, on="workout_id", how="left").merge(trainers, on="trainer_id", how="left")
    return lists[
        [
            "segment_key",
            "rank",
            "workout_id",
            "workout_title",
            "workout_type",
            "trainer_id",
            "trainer_name",
            "score",
            "relevance",
            "mmr_score",
            "max_similarity_to_earlier",
            "source_level",
            "tier",
            "is_instructor_flagged",
            "as_of_date",
        ]
    ]
