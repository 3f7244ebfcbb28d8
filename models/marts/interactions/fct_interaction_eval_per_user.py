"""Per (fold, model, user, K): Precision, Recall, NDCG, MAP, MRR and hit rate of every model's top K
against the fold's first-time targets (validation and test folds), for each K of `interactions_ks`
in one pass. The hits (a join of the lists with the targets) are found by the engine's SQL where
the rows are and evaluated a group of users at a time (`UserEvaluator`: on Spark on the executors);
the formulas are `recwarehouse.metrics.hit_rank_metrics`, the code pytest checks by hand."""

import json

from recwarehouse.engine import tables
from recwarehouse.interactions.models import EVAL_ROWS_SCHEMA, UserEvaluator

# each evaluated user's hits (a listed item that is a target) and number of targets, in one table
ROWS_SQL = """
select 'hit' as part, l.fold, l.model_id, l.user_id, l.rank, cast(null as bigint) as n_relevant
from {lists} as l
inner join {targets} as t on l.fold = t.fold and l.user_id = t.user_id and l.item_id = t.item_id
where l.rank <= {max_k} and l.fold != 'serve'
union all
select 'relevant' as part, fold, cast(null as string) as model_id, user_id, cast(null as int) as rank,
    count(*) as n_relevant
from {targets}
where fold != 'serve'
group by fold, user_id
"""
FINAL_SQL = """
select fold, '{split}' as split_mode, k, model, model_id, user_id, n_relevant, hits, precision_at_k, recall_at_k,
    ndcg_at_k, map_at_k, mrr_at_k, hit_rate_at_k
from {rows}
"""


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    ks = [int(k) for k in json.loads(dbt.config.get("interactions_ks"))]
    lists = dbt.ref("int_interaction_lists_unioned")
    targets = dbt.ref("int_interaction_targets")
    listed = "select distinct fold, model, model_id from {lists} where rank <= MAX_K and fold != 'serve'"
    models = data.read(data.sql(listed.replace("MAX_K", str(max(ks))), lists=lists), order="fold, model, model_id")
    rows = data.sql(ROWS_SQL.replace("{max_k}", str(max(ks))), lists=lists, targets=targets)
    evaluated = data.map_groups(rows, "user_id", UserEvaluator(models, ks), EVAL_ROWS_SCHEMA)
    return data.sql(FINAL_SQL.replace("{split}", dbt.config.get("interactions_split")), rows=evaluated)
