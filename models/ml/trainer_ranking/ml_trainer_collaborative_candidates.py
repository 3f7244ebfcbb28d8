"""Collaborative candidates: for each target week T and user known at T, the
`max_collaborative_candidates` trainers that people who engaged with the user's trainers also
engaged with (item-kNN over trainers on the decayed engagement of weeks before T,
`recwarehouse.collaborative`). A candidate source of `int_user_trainer_candidates`.

Each week's similarity is fitted on the driver from a seeded sample of at most
`cf_max_users` users; each user's list is found a group of users at a time from their own
rows (`map_groups`: on Spark on the executors), on either engine (`recwarehouse.engine`)."""

from recwarehouse.collaborative import (
    COLLABORATIVE_CANDIDATES_SCHEMA,
    HISTORY_SQL,
    CandidateFinder,
    empty_candidates,
    fit_collaborative,
    read_sample,
)
from recwarehouse.engine import tables
from recwarehouse.progress import log

# the users asking for a list and every weekly row of theirs, in one table grouped by user
GROUPED_SQL = """
select
    'user' as part, target_week, user_id, cast(null as string) as item_id, cast(null as date) as event_week,
    cast(null as boolean) as is_engaged, cast(null as double) as impressions, cast(null as double) as clicks
from {users} where not is_new_user
union all
"""


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    n = int(dbt.config.get("max_collaborative_candidates"))
    max_users = int(dbt.config.get("cf_max_users"))
    weekly = dbt.ref("int_user_trainer_weeks_aggregated")
    users = dbt.ref("int_user_features_as_of")
    if n <= 0:  # the default: the source is off, so nothing is read
        log("collaborative candidates: off (max_collaborative_candidates 0)")
        return data.result(
            empty_candidates().rename(columns={"item_id": "trainer_id"}), COLLABORATIVE_CANDIDATES_SCHEMA
        )
    members, rows = read_sample(data, weekly, users, max_users, int(dbt.config.get("random_seed")))
    target_weeks = data.read(data.sql("select distinct target_week from {users}", users=users))["target_week"]
    catalogue = data.read(data.sql("select distinct trainer_id from {weekly}", weekly=weekly))["trainer_id"]
    log(f"collaborative candidates: similarity fitted on {rows['user_id'].nunique():,} users, {len(rows):,} user-weeks")
    models = fit_collaborative(rows, members, catalogue, target_weeks, float(dbt.config.get("decay")))
    grouped = data.sql(GROUPED_SQL + HISTORY_SQL, users=users, weekly=weekly)
    return data.map_groups(grouped, "user_id", CandidateFinder(models, n), COLLABORATIVE_CANDIDATES_SCHEMA)
