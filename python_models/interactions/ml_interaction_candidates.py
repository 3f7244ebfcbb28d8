"""First stage for the interactions path: top-N candidates of every baseline and CF model, for
the validation, test and serve folds (EASE lambda and profile decay chosen on validation)."""

import json

from recwarehouse.interactions.models import all_candidates


def model(dbt, session):
    dbt.config(materialized="table")
    n = int(dbt.config.get("candidates_per_user"))
    k = int(dbt.config.get("interactions_k"))
    lambdas = [float(x) for x in json.loads(dbt.config.get("ease_lambdas"))]
    taus = [float(x) for x in json.loads(dbt.config.get("profile_decay_taus"))]
    folds = dbt.ref("int_interaction_folds_assembled")
    history = folds.filter("role = 'history'").project("fold, user_id, item_id, recency_rank").df()
    targets = folds.filter("role = 'target'").project("fold, user_id, item_id").df()
    item_scores = dbt.ref("int_interaction_items_scored").df()
    return all_candidates(history, targets, item_scores, n=n, k=k, lambdas=lambdas, taus=taus)
