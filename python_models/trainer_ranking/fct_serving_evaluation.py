"""The validation week's lists as users would get them, beside each other: every rule weight tried
by `ml_serving_selection`, the lists as served, and the re-ranked lists cut to K; NDCG, P, R,
MAP, MRR and hit rate @K, coverage, Gini of exposure and the most listed trainer's share."""

import json

from recwarehouse.trainer_ranking.serving import serving_evaluation, week_positives


def model(dbt, session):
    dbt.config(materialized="table")
    selection = dbt.ref("ml_serving_selection").df()
    validation = dbt.ref("int_trainer_scores_blended").filter("split = 'validation'")
    served = validation.filter(f"served_rank <= {int(dbt.config.get('k'))}").project(
        "user_id, trainer_id, served_rank as rank"
    )
    reranked = (
        dbt.ref("fct_trainer_recommendations_reranked")
        .filter("split = 'validation'")
        .project("user_id, trainer_id, rank, reranker")
    )
    positives = week_positives(dbt.ref("int_user_trainer_weeks_aggregated"), dbt.ref("int_target_weeks"))
    trainers = dbt.ref("stg_platform__trainers").project("trainer_id, trainer_name").df()
    out = serving_evaluation(
        selection,
        served.df(),
        reranked.df(),
        positives,
        validation.project("user_id").distinct().df()["user_id"],
        n_catalog=len(trainers),
        trainer_names=dict(zip(trainers["trainer_id"], trainers["trainer_name"], strict=True)),
        exposure_cap=json.loads(dbt.config.get("max_trainer_list_share")),
    )
    out["validation_week"] = selection["validation_week"].dt.date.iloc[0]  # one week: the selection's
    return out
