"""Collaborative candidates: for each target week T and user known at T, the
`max_collaborative_candidates` trainers that people who engaged with the user's trainers also
engaged with (item-kNN over trainers on the decayed engagement of weeks before T,
`recwarehouse.collaborative`). A candidate source of `int_user_trainer_candidates`."""

from recwarehouse.collaborative import as_of_collaborative_candidates
from recwarehouse.progress import log


def model(dbt, session):
    dbt.config(materialized="table")
    n = int(dbt.config.get("max_collaborative_candidates"))
    decay = float(dbt.config.get("decay"))
    history = (
        dbt.ref("int_user_trainer_weeks_aggregated")
        .filter("is_engaged")
        .project("user_id, trainer_id as item_id, event_week")
    )
    users = dbt.ref("int_user_features_as_of").filter("not is_new_user").project("target_week, user_id")
    if n <= 0:  # the default: the source is off, so nothing is read
        log("collaborative candidates: off (max_collaborative_candidates 0)")
        history, users = history.limit(0), users.limit(0)
    history, users = history.df(), users.df()
    if n > 0:
        log(f"collaborative candidates: {len(history):,} engaged user-weeks, {len(users):,} user-weeks with a history")
    found = as_of_collaborative_candidates(history, users, decay, n)
    if n > 0:
        log(f"collaborative candidates: {len(found):,} (user-week, trainer) pairs")
    return found.rename(columns={"item_id": "trainer_id"})
