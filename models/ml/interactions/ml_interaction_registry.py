"""The run registry of the interactions path: one row per model of this run, with its params,
validation and test metrics and the data fingerprint (and a row per model the run skipped, with
the reason); the same rows, the split and the vars are written to artifacts/run_<timestamp>/ and
artifacts/LATEST names that folder. The fingerprint is computed batch by batch where the fold rows
are (`row_hash_sums`), on either engine (`recwarehouse.engine`)."""

import json
from pathlib import Path

from recwarehouse.engine import tables
from recwarehouse.interactions.models import (
    FINGERPRINT_SCHEMA,
    REGISTRY_SCHEMA,
    FirstStage,
    data_fingerprint,
    registry_rows,
    row_hash_sums,
    skipped_models,
    write_run_artifacts,
)


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k = int(dbt.config.get("interactions_k"))
    summary = data.read(dbt.ref("fct_interaction_eval_summary"), where=f"k = {k}")
    params = []
    for lists in (dbt.ref("ml_interaction_candidates"), dbt.ref("ml_interaction_two_stage")):
        params.append(data.read(data.sql("select distinct model_id, params from {lists}", lists=lists)))
    folds = dbt.ref("int_interaction_folds_assembled")
    parts = data.map_batches(
        folds, row_hash_sums, FINGERPRINT_SCHEMA, columns=["fold", "role", "user_id", "item_id", "event_at"]
    )
    run_id = f"run_{dbt.config.get('run_stamp')}"
    item_scores = data.read(dbt.ref("int_interaction_items_scored"), ["fold", "item_id", "bayes_average_rating"])
    settings = FirstStage(
        ease_max_memory_mb=float(dbt.config.get("ease_max_memory_mb")),
        models=tuple(json.loads(dbt.config.get("interactions_models"))),
    )
    skipped = skipped_models(item_scores, settings)  # the same decision the first stage took
    registry = registry_rows(summary, params, data_fingerprint(data.read(parts)), run_id, skipped)
    write_run_artifacts(
        registry, Path(dbt.config.get("artifacts_path")), run_id, json.loads(dbt.config.get("run_vars"))
    )
    return data.result(registry, REGISTRY_SCHEMA)
