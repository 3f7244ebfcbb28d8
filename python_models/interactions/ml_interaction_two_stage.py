"""Second stage for the interactions path: LightGBM LambdaRank re-ranks the pooled candidates.
Trained on the validation fold only (a seeded sample of at most `rerank_training_users` users);
every candidate is scored in Arrow batches and only each user's top max(`interactions_ks`) is kept, so
memory is bounded by the training sample and a batch. The model scoring the test and serve folds
is written to the run's artifacts folder."""

import json
from pathlib import Path

import pandas as pd

from recwarehouse.interactions.models import RERANK_FEATURES, fit_two_stage, model_id, sample_users
from recwarehouse.progress import log

SCORED = "interaction_two_stage_scored"
BATCH_ROWS = 500_000


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("interactions_k"))
    list_length = int(dbt.config.get("list_length"))
    seed = int(dbt.config.get("random_seed"))
    features = dbt.ref("int_interaction_candidates_featured")
    validation = features.filter("fold = 'validation'")
    users = validation.project("user_id").distinct().fetchnumpy()["user_id"]
    sample = sample_users(users, int(dbt.config.get("rerank_training_users")), seed)
    session.register("interaction_sample_users", pd.DataFrame({"user_id": sample}))
    training = session.sql(
        f"select f.* from ({validation.sql_query()}) as f "
        "inner join interaction_sample_users as t on f.user_id = t.user_id "
        "order by f.user_id, f.item_id"
    ).df()
    ranker = fit_two_stage(users, training, k=k, seed=seed)
    del training
    # the candidates are read through a cursor of their own: a statement on `session` (the inserts)
    # would end a result stream that is still being read
    reading = session.cursor()
    reading.register("interaction_halves", ranker.halves)
    session.execute(
        f"create or replace temp table {SCORED} (fold varchar, user_id varchar, item_id varchar, score double)"
    )
    rows = reading.sql(
        f"select f.fold, f.user_id, f.item_id, case when f.fold = 'validation' then h.half end as half, "
        f"{', '.join('f.' + c for c in RERANK_FEATURES)} "
        f"from ({features.sql_query()}) as f left join interaction_halves as h on f.user_id = h.user_id"
    )  # an equi-join on user_id alone: a constant in the join condition made DuckDB loop over pairs
    scored = 0
    for batch in rows.to_arrow_reader(BATCH_ROWS):
        frame = batch.to_pandas()
        frame = frame[["fold", "user_id", "item_id"]].assign(score=ranker.score(frame))
        session.register("interaction_two_stage_batch", frame)
        session.execute(f"insert into {SCORED} select * from interaction_two_stage_batch")
        session.unregister("interaction_two_stage_batch")
        scored += len(frame)
        if scored // 5_000_000 > (scored - len(frame)) // 5_000_000:
            log(f"re-ranker scored {scored:,} candidates ...")
    reading.close()
    (expected,) = session.sql(f"select count(*) from ({features.sql_query()})").fetchone()
    if scored != expected:
        raise RuntimeError(f"the re-ranker scored {scored:,} of {expected:,} candidates")
    log(f"re-ranker scored {scored:,} candidates")
    params = json.dumps(ranker.info["params"], sort_keys=True)
    run_dir = Path(dbt.config.get("artifacts_path")) / f"run_{dbt.config.get('run_stamp')}"
    run_dir.mkdir(parents=True, exist_ok=True)
    ranker.models["all"].booster_.save_model(str(run_dir / "two_stage_lightgbm.txt"))
    final = session.sql(
        f"""
        select
            fold,
            user_id,
            item_id,
            score,
            rank,
            'two_stage' as model,
            '{model_id("two_stage", params)}' as model_id,
            '{params.replace("'", "''")}' as params,
            {ranker.info["fit_seconds"]} as fit_seconds
        from (
            select
                *,
                row_number() over (partition by fold, user_id order by score desc, item_id) as rank
            from {SCORED}
        )
        where rank <= {list_length}
        """
    )
    return final
