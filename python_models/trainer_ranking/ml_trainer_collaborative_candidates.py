"""Collaborative candidates: for each target week T and user known at T, the
`max_collaborative_candidates` trainers that people who engaged with the user's trainers also
engaged with (item-kNN over trainers on the decayed engagement of weeks before T,
`recwarehouse.collaborative`). A candidate source of `int_user_trainer_candidates`. Reads the
engaged user-weeks and the users per week on the driver, on either engine (`recwarehouse.engine`)."""

from recwarehouse.collaborative import COLLABORATIVE_CANDIDATES_SCHEMA, as_of_collaborative_candidates
from recwarehouse.engine import tables
from recwarehouse.progress import log


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    n = int(dbt.config.get("max_collaborative_candidates"))
    decay = float(dbt.config.get("decay"))
    weekly = dbt.ref("int_user_trainer_weeks_aggregated")
    users_as_of = dbt.ref("int_user_features_as_of")
    if n <= 0:  # the default: the source is off, so nothing is read
        log("collaborative candidates: off (max_collaborative_candidates 0)")
    only_when_on = "" if n > 0 else " and false"
    history = data.read(
        weekly,
        ["user_id", "trainer_id as item_id", "event_week"],
        where="is_engaged" + only_when_on,
        order="event_week, user_id, item_id",
    )
    users = data.read(
        users_as_of, ["target_week", "user_id"], where="not is_new_user" + only_when_on, order="target_week, user_id"
    )
    if n > 0:
        log(f"collaborative candidates: {len(history):,} engaged user-weeks, {len(users):,} user-weeks with a history")
    found = as_of_collaborative_candidates(history, users, decay, n)
    if n > 0:
        log(f"collaborative candidates: {len(found):,} (user-week, trainer) pairs")
    return data.result(found.rename(columns={"item_id": "trainer_id"}), COLLABORATIVE_CANDIDATES_SCHEMA)
