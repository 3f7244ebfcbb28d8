"""First stage for the interactions path: top lists of every baseline and CF model (item kNN,
EASE, ALS, BPR) for the validation and test folds' evaluated users and the serve fold's users
(serve: only the models that can be served), settings chosen on validation.

The models are fitted where the model runs (the driver on Spark) from each fold's history. The
lists are scored apart from the fit, on either engine (`recwarehouse.engine`): on DuckDB chunk by
chunk into a table (ids dictionary-encoded, so Python never holds them all); on Spark each (fold,
model) is shipped to the executors with its fitted model and scored a group of users at a time
from their own history (`FoldLister`), so no list reaches the driver."""

from recwarehouse.engine import tables
from recwarehouse.interactions.models import LIST_SCHEMA, FirstStage, FoldLister, all_candidates

ROWS = "interaction_candidates_rows"
LABELS_SCHEMA = "part int, fold string, model string, params string, fit_seconds double, model_id string"
FINAL_SQL = """
select labels.fold, labels.model, rows.user_id, rows.item_id, rows.score, rows.rank, labels.params,
    labels.fit_seconds, labels.model_id
from {rows} as rows
inner join {labels} as labels on rows.part = labels.part
"""
# a fold's history rows of the users it lists: validation and test its users with targets, serve all
LISTED_SQL = """
select user_id, item_id, recency_rank from {folds}
where role = 'history' and fold = '{fold}'
    and ('{fold}' = 'serve' or user_id in (select user_id from {targets} where fold = '{fold}'))
"""


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    settings = FirstStage.from_json(dbt.config.get("first_stage"))
    folds = dbt.ref("int_interaction_folds_assembled")
    targets_table = dbt.ref("int_interaction_targets")
    targets = data.read(targets_table)
    item_scores = data.read(
        dbt.ref("int_interaction_items_scored"),
        ["fold", "item_id", "interactions", "bayes_average_rating", "recency_popularity"],
    )
    if data.engine == "spark":
        parts = []
        history = data.read(folds, ["fold", "user_id", "item_id", "recency_rank", "log_row"], where="role = 'history'")

        def remote(job):  # scored now on the executors, so the driver lets go of the fitted model
            listed = data.sql(LISTED_SQL.replace("{fold}", job.fold), folds=folds, targets=targets_table)
            lister = FoldLister(job, not settings.reconsumption, settings.score_memory_mb, settings.repeat_weight)
            parts.append(data.materialize(data.map_groups(listed, "user_id", lister, LIST_SCHEMA)))

        lists, _skipped = all_candidates(history, targets, item_scores, settings, remote=remote)
        labels = data.result(lists.labels(), LABELS_SCHEMA)
        return data.sql(FINAL_SQL, rows=data.concat(parts), labels=labels)

    history = folds.filter("role = 'history'").project("fold, user_id, item_id, recency_rank, log_row").to_arrow_table()
    session.execute(f"create or replace temp table {ROWS} ({LIST_SCHEMA.replace('string', 'varchar')})")

    def sink(table):
        session.register("interaction_candidates_piece", table)
        session.execute(f"insert into {ROWS} select * from interaction_candidates_piece")
        session.unregister("interaction_candidates_piece")

    lists, _skipped = all_candidates(history, targets, item_scores, settings, sink)
    session.register("interaction_candidates_labels", lists.labels())
    return session.sql(FINAL_SQL.format(rows=ROWS, labels="interaction_candidates_labels"))
