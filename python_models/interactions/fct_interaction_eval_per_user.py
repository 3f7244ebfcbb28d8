"""Per (fold, model, user): Precision@K, Recall@K, NDCG@K, MAP@K and hit rate of every model's
top-K against the fold's target interactions (validation and test folds)."""

from recwarehouse.interactions.models import evaluate_lists

LIST_COLUMNS = ["fold", "model", "model_id", "user_id", "item_id", "rank"]


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("interactions_k"))
    lists = dbt.ref("int_interaction_lists_unioned").filter(f"rank <= {k} and fold != 'serve'").df()[LIST_COLUMNS]
    targets = dbt.ref("int_interaction_targets").filter("fold != 'serve'").df()
    per_user = evaluate_lists(lists, targets, k)
    per_user.insert(1, "split_mode", dbt.config.get("interactions_split"))
    per_user.insert(2, "k", k)
    return per_user
