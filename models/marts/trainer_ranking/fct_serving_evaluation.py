"""The validation week's lists as users would get them, beside each other: every rule weight tried
by `ml_serving_selection`, the lists as served, and the re-ranked lists cut to K; NDCG, P, R,
MAP, MRR and hit rate @K, coverage, Gini of exposure and the most listed trainer's share. Reads
the validation week (a seeded sample of users) on the driver, on either engine."""

import json

from recwarehouse.engine import tables
from recwarehouse.trainer_ranking.serving import SERVING_EVALUATION_SCHEMA, serving_evaluation, week_positives


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k = int(dbt.config.get("k"))
    selection = data.read(dbt.ref("ml_serving_selection"), order="rule_weight")
    blended = dbt.ref("int_trainer_scores_blended")
    validation = "split = 'validation'"
    served = data.read(
        blended,
        ["user_id", "trainer_id", "served_rank as rank"],
        where=f"{validation} and served_rank <= {k}",
        order="user_id, rank",
    )
    reranked = data.read(
        dbt.ref("fct_trainer_recommendations_reranked"),
        ["user_id", "trainer_id", "rank", "reranker"],
        where=validation,
        order="user_id, rank",
    )
    users = data.read(blended, ["user_id"], where=validation, order="user_id")["user_id"].drop_duplicates()
    positives = week_positives(data, dbt.ref("int_user_trainer_weeks_aggregated"), dbt.ref("int_target_weeks"))
    trainers = data.read(dbt.ref("stg_platform__trainers"), ["trainer_id", "trainer_name"], order="trainer_id")
    out = serving_evaluation(
        selection,
        served,
        reranked,
        positives,
        users.reset_index(drop=True),
        n_catalog=len(trainers),
        trainer_names=dict(zip(trainers["trainer_id"], trainers["trainer_name"], strict=True)),
        exposure_cap=json.loads(dbt.config.get("max_trainer_list_share")),
    )
    out["validation_week"] = selection["validation_week"].iloc[0]  # one week: the selection's
    return data.result(out, SERVING_EVALUATION_SCHEMA)
