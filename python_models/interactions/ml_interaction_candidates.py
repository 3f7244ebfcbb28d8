"""First stage for the interactions path: top lists of every baseline and CF model (item kNN,
EASE, ALS, BPR) for the validation, test and serve folds, settings chosen on validation. Ids are
coded once and the lists handed to DuckDB with categorical ids, cast back to text here."""

from recwarehouse.interactions.models import FirstStage, all_candidates


def model(dbt, session):
    dbt.config(materialized="table")
    settings = FirstStage.from_json(dbt.config.get("first_stage"))
    folds = dbt.ref("int_interaction_folds_assembled")
    history = folds.filter("role = 'history'").project("fold, user_id, item_id, recency_rank").to_arrow_table()
    targets = dbt.ref("int_interaction_targets").df()
    item_scores = (
        dbt.ref("int_interaction_items_scored")
        .project("fold, item_id, interactions, bayes_average_rating, recency_popularity")
        .df()
    )
    lists, _skipped = all_candidates(history, targets, item_scores, settings)
    session.register("interaction_candidates_coded", lists)
    final = session.sql(
        """
        select
            cast(fold as varchar) as fold,
            cast(model as varchar) as model,
            cast(user_id as varchar) as user_id,
            cast(item_id as varchar) as item_id,
            score,
            rank,
            cast(params as varchar) as params,
            fit_seconds,
            cast(model_id as varchar) as model_id
        from interaction_candidates_coded
        order by fold, model, user_id, rank
        """
    )
    return final
