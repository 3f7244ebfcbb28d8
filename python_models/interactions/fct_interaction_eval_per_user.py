"""Per (fold, model, user): Precision@K, Recall@K, NDCG@K, MAP@K and hit rate of every model's
top-K against the fold's target interactions (validation and test folds)."""

import pandas as pd

from recwarehouse.interactions import evaluate_lists

LIST_COLUMNS = ["fold", "model", "model_id", "user_id", "item_id", "rank"]


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("interactions_k"))
    first = dbt.ref("ml_interaction_candidates").filter(f"rank <= {k} and fold != 'serve'").df()
    second = dbt.ref("ml_interaction_two_stage").filter(f"rank <= {k} and fold != 'serve'").df()
    lists = pd.concat([first[LIST_COLUMNS], second[LIST_COLUMNS]], ignore_index=True)
    targets = (
        dbt.ref("int_interaction_folds_assembled")
        .filter("role = 'target'")
        .project("fold, user_id, item_id")
        .distinct()
        .df()
    )
    per_user = evaluate_lists(lists, targets, k)
    per_user.insert(1, "split_mode", dbt.config.get("interactions_split"))
    per_user.insert(2, "k", k)
    return per_user
