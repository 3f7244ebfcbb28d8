"""Second stage: each user's base-stage top candidates re-ranked for score, freshness, popularity
and diversity; top `rerank_list_size` per user for the validation and serve weeks."""

from recwarehouse.progress import log
from recwarehouse.trainer_ranking.rerank import rerank
from recwarehouse.trainer_ranking.trainer_sets import trainer_sets


def model(dbt, session):
    dbt.config(materialized="table")
    candidates = dbt.ref("int_trainer_rerank_candidates").df()
    specialities = dbt.ref("stg_platform__trainer_specialities").df()
    workouts = dbt.ref("stg_platform__workouts").df()
    lists, info = rerank(
        candidates,
        trainer_sets(specialities, workouts),
        list_size=int(dbt.config.get("rerank_list_size")),
        negative_ratio=float(dbt.config.get("rerank_negative_ratio")),
        min_positives=int(dbt.config.get("rerank_min_positives")),
        seed=int(dbt.config.get("random_seed")),
    )
    log(
        f"re-ranked {lists['user_id'].nunique():,} users' lists ({len(candidates):,} candidate rows) with"
        f" {info['reranker']}: {info['positives']:,} explicit positives, {info['training_rows']:,} training rows"
    )
    lists["training_positives"] = info["positives"]
    names = dbt.ref("stg_platform__trainers").project("trainer_id, trainer_name").df()
    lists = lists.merge(names, on="trainer_id", how="left")
    return lists[
        [
            "split",
            "user_id",
            "rank",
            "trainer_id",
            "trainer_name",
            "base_rank",
            "is_reranked",
            "reranker",
            "mode_used",
            "model_score",
            "recency",
            "popularity",
            "diversity",
            "final_score",
            "training_positives",
            "target_week",
        ]
    ]
