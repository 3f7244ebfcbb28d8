"""Collaborative signal for every candidate (target week, user, trainer): "people who engaged with
the trainers you engaged with also engaged with this one", as of T-1 (item-kNN over trainers on
the decayed engagement of weeks before T), PureSVD with `cf_factors` factors, and a logistic
factorisation of clicks out of impressions with `cf_click_factors` factors
(`recwarehouse.collaborative`). Reads the engaged and shown user-weeks and the candidate pairs on
the driver, on either engine (`recwarehouse.engine`)."""

import time

from recwarehouse.collaborative import COLLABORATIVE_SCORES_SCHEMA, as_of_click_affinity, as_of_neighbour_scores
from recwarehouse.engine import tables
from recwarehouse.progress import log

KEYS = ["target_week", "user_id", "item_id"]


def model(dbt, session):
    dbt.config(materialized="table")
    decay = float(dbt.config.get("decay"))
    factors = int(dbt.config.get("cf_factors"))
    click_factors = int(dbt.config.get("cf_click_factors"))
    data = tables(dbt, session)
    weekly = dbt.ref("int_user_trainer_weeks_aggregated")
    history = data.read(
        weekly,
        ["user_id", "trainer_id as item_id", "event_week"],
        where="is_engaged",
        order="event_week, user_id, item_id",
    )
    pairs = data.read(
        dbt.ref("int_user_trainer_candidates"),
        ["target_week", "user_id", "trainer_id as item_id"],
        order="target_week, user_id, item_id",
    )
    # in week order: both feature functions walk the weeks in order, so their rows come out in this
    # order and their columns are set side by side (a merge on the keys held GBs at 10M events)
    pairs = pairs.sort_values("target_week", kind="stable", ignore_index=True)
    log(f"item-kNN over trainers: {len(history):,} engaged user-weeks, {len(pairs):,} candidate pairs")
    scores = as_of_neighbour_scores(history, pairs, decay, factors)
    shown = data.read(
        weekly,
        ["user_id", "trainer_id as item_id", "event_week", "impressions", "clicks"],
        where="impressions > 0",
        order="event_week, user_id, item_id",
    )
    started = time.perf_counter()
    clicks = as_of_click_affinity(
        shown, pairs, decay, click_factors, float(dbt.config.get("cf_click_regularization")),
        int(dbt.config.get("random_seed")), int(dbt.config.get("cf_click_max_users")),
    )  # fmt: skip
    log(
        f"click factorisation ({click_factors} factors): {len(shown):,} shown user-weeks, "
        f"{pairs['target_week'].nunique()} target weeks in {time.perf_counter() - started:.1f} s"
    )
    for key in KEYS:
        if not (scores[key].to_numpy() == clicks[key].to_numpy()).all():
            raise RuntimeError(f"collaborative features out of step on {key}: rows must come out in pairs order")
    scores["cf_click_affinity"] = clicks["cf_click_affinity"].to_numpy()
    scores["cf_click_score"] = clicks["cf_click_score"].to_numpy()
    return data.result(scores.rename(columns={"item_id": "trainer_id"}), COLLABORATIVE_SCORES_SCHEMA)
