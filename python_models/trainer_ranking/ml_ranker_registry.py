"""Train every candidate ranker on the training weeks, validate on the held-out week, keep the
best NDCG@K and refit it on all labelled weeks. One row per fitted model, with the model itself."""

from recwarehouse.ranking import train_and_select


def model(dbt, session):
    dbt.config(materialized="table")
    k = int(dbt.config.get("k"))
    seed = int(dbt.config.get("random_seed"))
    max_rows = int(dbt.config.get("max_training_rows"))
    examples = dbt.ref("int_trainer_ranking_examples").filter("split in ('train', 'validation')").df()
    positives = (
        dbt.ref("int_user_trainer_weeks_aggregated")
        .filter("is_engaged")
        .join(dbt.ref("int_target_weeks").filter("split = 'validation'"), "event_week = target_week")
        .aggregate("user_id, count(*) as n_relevant")
        .df()
        .set_index("user_id")["n_relevant"]
    )
    n_catalog = dbt.ref("stg_platform__trainers").aggregate("count(*)").fetchone()[0]
    return train_and_select(examples, positives, k=k, seed=seed, n_catalog=n_catalog, max_training_rows=max_rows)
