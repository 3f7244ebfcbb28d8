"""Train every candidate ranker on the training weeks, validate on the held-out week, keep the
best NDCG@K and refit it on all labelled weeks. One row per fitted model, with the model itself.

Incremental: when a stored registry exists and `retrain_reason` finds no reason to train again
(same settings, models younger than `retrain_every_weeks`, same data in the same week), the stored
rows are returned unchanged and nothing is fitted. `dbt build --full-refresh` always retrains.
The merge (see the YAML) makes the table exactly the rows returned."""

import pandas as pd

from recwarehouse import thread_limit
from recwarehouse.progress import log
from recwarehouse.trainer_ranking.registry import (
    examples_fingerprint,
    retrain_reason,
    train_and_select,
    training_settings,
)
from recwarehouse.trainer_ranking.serving import week_positives


def model(dbt, session):
    k = int(dbt.config.get("k"))
    seed = int(dbt.config.get("random_seed"))
    max_rows = int(dbt.config.get("max_training_rows"))
    every = int(dbt.config.get("retrain_every_weeks"))
    target_weeks = dbt.ref("int_target_weeks")
    (validation_week,) = target_weeks.filter("split = 'validation'").aggregate("max(target_week)").fetchone()
    examples = dbt.ref("int_trainer_ranking_examples").filter("split in ('train', 'validation')")
    (feature_fingerprint,) = dbt.ref("int_trainer_feature_settings").project("feature_fingerprint").fetchone()
    # the stored rows go back as a relation, not a data frame, so their column types stay as stored
    stored_rows = session.sql(f"select * from {dbt.this}") if dbt.is_incremental else None
    stored = stored_rows.df() if stored_rows is not None else None
    reason = retrain_reason(
        stored,
        validation_week,
        training_settings(k, seed, max_rows, feature_fingerprint),
        every,
        data_fingerprint=lambda: examples_fingerprint(examples.df(), max_rows, seed),
    )
    if reason is None:
        week = pd.Timestamp(stored["validation_week"].iloc[0]).date()
        log(f"keeping the stored models (validation week {week}): no reason to retrain")
        return stored_rows
    log(f"training because {reason}")
    positives = week_positives(dbt.ref("int_user_trainer_weeks_aggregated"), target_weeks).groupby("user_id").size()
    n_catalog = dbt.ref("stg_platform__trainers").aggregate("count(*)").fetchone()[0]
    with thread_limit():
        registry = train_and_select(
            examples.df(), positives, k=k, seed=seed, n_catalog=n_catalog, max_training_rows=max_rows,
            trained_because=reason, feature_fingerprint=feature_fingerprint,
        )  # fmt: skip
    return registry
