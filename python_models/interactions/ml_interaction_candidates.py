"""First stage for the interactions path: top lists of every baseline and CF model (item kNN,
EASE, ALS, BPR) for the validation and test folds' evaluated users and the serve fold's users
(serve: only the models that can be served), settings chosen on validation. Lists
stream into DuckDB chunk by chunk (ids dictionary-encoded), so Python never holds them all."""

from recwarehouse.interactions.models import FirstStage, all_candidates

ROWS = "interaction_candidates_rows"


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
    session.execute(
        f"create or replace temp table {ROWS} "
        "(part integer, user_id varchar, item_id varchar, score double, rank integer)"
    )

    def sink(table):
        session.register("interaction_candidates_piece", table)
        session.execute(f"insert into {ROWS} select * from interaction_candidates_piece")
        session.unregister("interaction_candidates_piece")

    lists, _skipped = all_candidates(history, targets, item_scores, settings, sink)
    session.register("interaction_candidates_labels", lists.labels())
    final = session.sql(
        f"""
        select
            labels.fold,
            labels.model,
            rows.user_id,
            rows.item_id,
            rows.score,
            rows.rank,
            labels.params,
            labels.fit_seconds,
            labels.model_id
        from {ROWS} as rows
        inner join interaction_candidates_labels as labels
            on rows.part = labels.part
        """
    )
    return final
