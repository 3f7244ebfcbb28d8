"""Second stage for the interactions path: LightGBM LambdaRank re-ranks the pooled candidates.
Trained on the validation fold only (a seeded sample of at most `rerank_training_users` users,
read onto the driver); every candidate is scored a group of users at a time and only each user's
top max(`interactions_ks`) is kept (`TwoStageLister`: on Spark on the executors, on DuckDB
streamed), so memory is bounded by the training sample and a group, on either engine
(`recwarehouse.engine`). The model scoring the test and serve folds is written to the run's
artifacts folder."""

import json
from pathlib import Path

import pandas as pd

from recwarehouse.engine import tables
from recwarehouse.interactions.models import (
    RERANK_FEATURES,
    TWO_STAGE_SCHEMA,
    TwoStageLister,
    fit_two_stage,
    model_id,
    sample_users,
)
from recwarehouse.progress import log

# where each user / item first appears in the log: the serve fold's history is the whole log
FIRST_ROWS_SQL = "select {id}, min(log_row) as first_log_row from {folds} where fold = 'serve' group by {id}"
FINAL_SQL = """
select fold, user_id, item_id, score, rank, 'two_stage' as model, '{model_id}' as model_id, '{params}' as params,
    cast({fit_seconds} as double) as fit_seconds
from {lists}
"""


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    k = int(dbt.config.get("interactions_k"))
    seed = int(dbt.config.get("random_seed"))
    features = dbt.ref("int_interaction_candidates_featured")
    validation_users = data.sql("select distinct user_id from {features} where fold = 'validation'", features=features)
    users = data.read(validation_users)["user_id"].to_numpy(dtype=object)
    folds = dbt.ref("int_interaction_folds_assembled")
    user_first, item_first = (
        data.read(data.sql(FIRST_ROWS_SQL.replace("{id}", column), folds=folds)).set_index(column)["first_log_row"]
        for column in ("user_id", "item_id")
    )
    sample_size = int(dbt.config.get("rerank_training_users"))
    sample = pd.DataFrame({"user_id": sample_users(users, sample_size, seed, user_first.reindex(users).to_numpy())})
    training = data.read(
        data.sql(
            "select f.* from {features} as f inner join {sample} as s on f.user_id = s.user_id"
            " where f.fold = 'validation'",
            features=features,
            sample=data.result(sample, "user_id string"),
        ),
        order="user_id, item_id",
    )
    ranker = fit_two_stage(users, training, k=k, seed=seed, user_first=user_first, item_first=item_first)
    del training
    log("re-ranker: scoring every candidate, a group of users at a time")
    lists = data.map_groups(
        features,
        "user_id",
        TwoStageLister(ranker, int(dbt.config.get("list_length"))),
        TWO_STAGE_SCHEMA,
        columns=["fold", "user_id", "item_id", *RERANK_FEATURES],
    )
    params = json.dumps(ranker.info["params"], sort_keys=True)
    run_dir = Path(dbt.config.get("artifacts_path")) / f"run_{dbt.config.get('run_stamp')}"
    run_dir.mkdir(parents=True, exist_ok=True)
    ranker.models["all"].booster_.save_model(str(run_dir / "two_stage_lightgbm.txt"))
    final = (
        FINAL_SQL.replace("{model_id}", model_id("two_stage", params))
        .replace("{params}", params.replace("'", "''"))
        .replace("{fit_seconds}", str(ranker.info["fit_seconds"]))
    )
    return data.sql(final, lists=lists)
