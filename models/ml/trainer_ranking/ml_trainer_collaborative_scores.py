"""Collaborative signal for every candidate (target week, user, trainer): "people who engaged with
the trainers you engaged with also engaged with this one", as of T-1 (item-kNN over trainers on
the decayed engagement of weeks before T), PureSVD with `cf_factors` factors, and a logistic
factorisation of clicks out of impressions with `cf_click_factors` factors
(`recwarehouse.collaborative`).

Each week's models are fitted on the driver from a seeded sample of at most `cf_max_users`
users (found by the engine's SQL, `SAMPLE_SQL`); the candidates are scored a group of users at a
time from their own rows (`map_groups`: on Spark on the executors), so nothing the size of the
candidates or of the user base reaches the driver, on either engine (`recwarehouse.engine`)."""

from recwarehouse.collaborative import (
    COLLABORATIVE_SCORES_SCHEMA,
    HISTORY_SQL,
    CollaborativeScorer,
    fit_collaborative,
    read_sample,
)
from recwarehouse.engine import tables
from recwarehouse.progress import log

# the candidates and every weekly row of their users, in one table grouped by user
GROUPED_SQL = """
select
    'pair' as part, target_week, user_id, trainer_id as item_id, cast(null as date) as event_week,
    cast(null as boolean) as is_engaged, cast(null as double) as impressions, cast(null as double) as clicks
from {pairs}
union all
"""


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    max_users = int(dbt.config.get("cf_max_users"))
    seed = int(dbt.config.get("random_seed"))
    weekly = dbt.ref("int_user_trainer_weeks_aggregated")
    pairs = dbt.ref("int_user_trainer_candidates")
    weeks = data.sql("select distinct target_week from {pairs}", pairs=pairs)
    catalogue = data.sql("select trainer_id from {a} union select trainer_id from {b}", a=weekly, b=pairs)
    members, rows = read_sample(data, weekly, pairs, max_users, seed)
    target_weeks = data.read(weeks, order="target_week")["target_week"]
    log(
        f"collaborative models: {len(target_weeks)} target weeks, fitted on at most {max_users:,} users a week "
        f"({rows['user_id'].nunique():,} users, {len(rows):,} user-weeks)"
    )
    models = fit_collaborative(
        rows, members, data.read(catalogue)["trainer_id"], target_weeks, float(dbt.config.get("decay")),
        int(dbt.config.get("cf_factors")), int(dbt.config.get("cf_click_factors")),
        float(dbt.config.get("cf_click_regularization")), seed,
    )  # fmt: skip
    grouped = data.sql(GROUPED_SQL + HISTORY_SQL, pairs=pairs, weekly=weekly)
    return data.map_groups(grouped, "user_id", CollaborativeScorer(models), COLLABORATIVE_SCORES_SCHEMA)
