"""Train every candidate ranker on the training weeks, validate on the held-out week, keep the
best NDCG@K and refit it on all labelled weeks. One row per fitted model, with the model itself.
Training reads the train and validation weeks' examples onto the driver, on either engine
(`recwarehouse.engine`): a seeded sample of at most `max_training_users` users, fitted on at
most `max_training_rows` rows.

Incremental: when a stored registry exists and `retrain_reason` finds no reason to train again
(same settings, models younger than `retrain_every_weeks`, same data in the same week), the stored
rows are returned unchanged and nothing is fitted. `dbt build --full-refresh` always retrains.
The merge (see the YAML) makes the table exactly the rows returned."""

import pandas as pd

from recwarehouse import thread_limit
from recwarehouse.engine import tables
from recwarehouse.progress import log
from recwarehouse.trainer_ranking.registry import (
    REGISTRY_SCHEMA,
    examples_fingerprint,
    retrain_reason,
    train_and_select,
    training_settings,
)
from recwarehouse.trainer_ranking.serving import week_positives


def model(dbt, session):
    data = tables(dbt, session)
    k = int(dbt.config.get("k"))
    seed = int(dbt.config.get("random_seed"))
    max_rows = int(dbt.config.get("max_training_rows"))
    every = int(dbt.config.get("retrain_every_weeks"))
    target_weeks = dbt.ref("int_target_weeks")
    validation_week = data.value(target_weeks, "max(target_week)", where="split = 'validation'")
    examples = data.read(
        dbt.ref("int_trainer_ranking_examples"),
        where="split in ('train', 'validation')",
        order="target_week, user_id, trainer_id",
    )
    feature_fingerprint = data.value(dbt.ref("int_trainer_feature_settings"), "max(feature_fingerprint)")
    # the stored rows go back as they are stored (a relation or a Spark DataFrame), not re-typed
    stored_rows = data.stored() if dbt.is_incremental else None
    stored = data.read(stored_rows, order="model_id") if stored_rows is not None else None
    reason = retrain_reason(
        stored,
        validation_week,
        training_settings(k, seed, max_rows, feature_fingerprint),
        every,
        data_fingerprint=lambda: examples_fingerprint(examples, max_rows, seed),
    )
    if reason is None:
        week = pd.Timestamp(stored["validation_week"].iloc[0]).date()
        log(f"keeping the stored models (validation week {week}): no reason to retrain")
        return stored_rows
    log(f"training because {reason}")
    weekly = dbt.ref("int_user_trainer_weeks_aggregated")
    positives = week_positives(data, weekly, target_weeks).groupby("user_id").size()
    n_catalog = data.value(dbt.ref("stg_platform__trainers"), "count(*)")
    with thread_limit():
        registry = train_and_select(
            examples, positives, k=k, seed=seed, n_catalog=n_catalog, max_training_rows=max_rows,
            trained_because=reason, feature_fingerprint=feature_fingerprint,
        )  # fmt: skip
    return data.result(registry, REGISTRY_SCHEMA)
