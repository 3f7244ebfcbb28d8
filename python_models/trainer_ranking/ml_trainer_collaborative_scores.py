"""Collaborative signal for every candidate (target week, user, trainer): "people who engaged with
the trainers you engaged with also engaged with this one", as of T-1 (item-kNN over trainers on
the decayed engagement of weeks before T) and PureSVD with `cf_factors` factors
(`recwarehouse.collaborative`)."""

from recwarehouse.collaborative import as_of_neighbour_scores
from recwarehouse.progress import log


def model(dbt, session):
    dbt.config(materialized="table")
    decay = float(dbt.config.get("decay"))
    factors = int(dbt.config.get("cf_factors"))
    weekly = dbt.ref("int_user_trainer_weeks_aggregated")
    history = weekly.filter("is_engaged").project("user_id, trainer_id as item_id, event_week").df()
    pairs = dbt.ref("int_user_trainer_candidates").project("target_week, user_id, trainer_id as item_id").df()
    log(f"item-kNN over trainers: {len(history):,} engaged user-weeks, {len(pairs):,} candidate pairs")
    scores = as_of_neighbour_scores(history, pairs, decay, factors)
    return scores.rename(columns={"item_id": "trainer_id"})
