"""Second stage for the interactions path: LightGBM LambdaRank re-ranks the pooled candidates.
Trained on the validation fold only; the fitted model is written to the run's artifacts folder."""

import json
from pathlib import Path

from recwarehouse.interactions.models import model_id, two_stage


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("interactions_k"))
    seed = int(dbt.config.get("random_seed"))
    features = dbt.ref("int_interaction_candidates_featured").df()
    features = features.sort_values(["fold", "user_id", "item_id"], kind="mergesort").reset_index(drop=True)
    lists, ranker, info = two_stage(features, k=k, seed=seed)
    params = json.dumps(info["params"], sort_keys=True)
    lists["model"] = "two_stage"
    lists["model_id"] = model_id("two_stage", params)
    lists["params"] = params
    lists["fit_seconds"] = info["fit_seconds"]
    run_dir = Path(dbt.config.get("artifacts_path")) / f"run_{dbt.config.get('run_stamp')}"
    run_dir.mkdir(parents=True, exist_ok=True)
    ranker.booster_.save_model(str(run_dir / "two_stage_lightgbm.txt"))
    return lists
