"""The cold-start lists' diversity against relevance across MMR's lambda (var `mmr_lambda_grid`):
what each setting of `mmr_lambda` would serve from the same candidates: with tag similarity alone,
at the same-instructor similarity served (var `mmr_same_trainer_similarity`) and at 0.5. Reads
the segments' candidates on the driver: segments x `segment_candidates` rows, bounded by the
vocabulary (age groups, levels, workout types), not by users."""

import json

import pandas as pd

from recwarehouse.cold_start.mmr import mmr_tradeoff
from recwarehouse.engine import tables

SHOWN_TRAINER_SIMILARITY = 0.5  # a same-instructor setting always shown beside tags alone and the var's


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k = int(dbt.config.get("segment_list_size"))
    lambdas = [float(x) for x in json.loads(dbt.config.get("mmr_lambda_grid"))]
    lam = float(dbt.config.get("mmr_lambda"))
    same_trainer = float(dbt.config.get("mmr_same_trainer_similarity"))
    candidates = data.read(dbt.ref("int_segment_candidates_filled"), order="segment_key, candidate_order")
    tags = data.read(dbt.ref("stg_platform__workout_tags"), ["workout_id", "tag"])
    workouts = data.read(dbt.ref("stg_platform__workouts"), ["workout_id"])
    catalogue = sorted(workouts["workout_id"])
    tables_by_setting = []
    for trainer_similarity in sorted({0.0, SHOWN_TRAINER_SIMILARITY, same_trainer}):
        table = mmr_tradeoff(candidates, tags, catalogue, k, lambdas + [lam], trainer_similarity)
        table["is_served_setting"] = (table["mmr_lambda"] == lam) & (trainer_similarity == same_trainer)
        tables_by_setting.append(table)
    return pd.concat(tables_by_setting, ignore_index=True)
