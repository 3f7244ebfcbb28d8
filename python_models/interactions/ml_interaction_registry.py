"""The run registry of the interactions path: one row per model of this run, with its params,
validation and test metrics and the data fingerprint (and a row per model the run skipped, with
the reason); the same rows, the split and the vars are
written to artifacts/run_<timestamp>/ and artifacts/LATEST names that folder."""

import json
from pathlib import Path

from recwarehouse.interactions.models import FirstStage, registry_rows, skipped_models, write_run_artifacts


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("interactions_k"))
    summary = dbt.ref("fct_interaction_eval_summary").filter(f"k = {k}").df()
    candidates = dbt.ref("ml_interaction_candidates").project("model_id, params").distinct().df()
    second = dbt.ref("ml_interaction_two_stage").project("model_id, params").distinct().df()
    folds = dbt.ref("int_interaction_folds_assembled").project("fold, role, user_id, item_id, event_at")
    run_id = f"run_{dbt.config.get('run_stamp')}"
    item_scores = dbt.ref("int_interaction_items_scored").project("fold, item_id, bayes_average_rating").df()
    settings = FirstStage(
        ease_max_memory_mb=float(dbt.config.get("ease_max_memory_mb")),
        models=tuple(json.loads(dbt.config.get("interactions_models"))),
    )
    skipped = skipped_models(item_scores, settings)  # the same decision the first stage took
    registry = registry_rows(summary, [candidates, second], folds, run_id, skipped)
    write_run_artifacts(
        registry, Path(dbt.config.get("artifacts_path")), run_id, json.loads(dbt.config.get("run_vars"))
    )
    return registry
