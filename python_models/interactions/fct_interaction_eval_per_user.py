"""Per (fold, model, user, K): Precision, Recall, NDCG, MAP, MRR and hit rate of every model's top K
against the fold's first-time targets (validation and test folds), for each K of `interactions_ks`
in one pass. Only the hits leave DuckDB (a join of the lists with the targets); the formulas are
`recwarehouse.metrics.hit_rank_metrics`, the code pytest checks by hand."""

import json

from recwarehouse.interactions.models import evaluate_hits

ROWS = "interaction_eval_rows"


def model(dbt, session):
    dbt.config(materialized="table")
    ks = [int(k) for k in json.loads(dbt.config.get("interactions_ks"))]
    split = dbt.config.get("interactions_split")
    lists = dbt.ref("int_interaction_lists_unioned").filter(f"rank <= {max(ks)} and fold != 'serve'")
    targets = dbt.ref("int_interaction_targets").filter("fold != 'serve'")
    hits = session.sql(
        f"select l.fold, l.model_id, l.user_id, l.rank from ({lists.sql_query()}) as l "
        f"inner join ({targets.sql_query()}) as t "
        "on l.fold = t.fold and l.user_id = t.user_id and l.item_id = t.item_id"
    ).df()
    relevant = targets.aggregate("fold, user_id, count(*) as n_relevant", "fold, user_id").df()
    models = lists.project("fold, model, model_id").distinct().order("fold, model, model_id").df()
    session.execute(
        f"create or replace temp table {ROWS} (fold varchar, model varchar, model_id varchar, k integer, "
        "user_id varchar, n_relevant integer, hits integer, precision_at_k double, recall_at_k double, "
        "ndcg_at_k double, map_at_k double, mrr_at_k double, hit_rate_at_k double)"
    )
    for frame in evaluate_hits(hits, relevant, models, ks):
        session.register("interaction_eval_piece", frame)
        session.execute(
            f"insert into {ROWS} select fold, model, model_id, k, user_id, n_relevant, hits, precision_at_k, "
            "recall_at_k, ndcg_at_k, map_at_k, mrr_at_k, hit_rate_at_k from interaction_eval_piece"
        )
        session.unregister("interaction_eval_piece")
    return session.sql(
        f"select fold, '{split}' as split_mode, k, model, model_id, user_id, n_relevant, hits, precision_at_k, "
        f"recall_at_k, ndcg_at_k, map_at_k, mrr_at_k, hit_rate_at_k from {ROWS}"
    )
