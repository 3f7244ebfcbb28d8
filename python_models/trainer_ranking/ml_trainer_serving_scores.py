"""Score every serve-week candidate with the registry's serving model."""

from recwarehouse.ranking import load_model


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_ranker_registry").filter("stage = 'serving'").df()
    if len(registry) != 1:
        raise ValueError(f"ml_ranker_registry must hold exactly one serving model, found {len(registry)}")
    ranker = load_model(registry["model_blob"].iloc[0])
    candidates = dbt.ref("int_trainer_ranking_examples").filter("split = 'serve'").df()
    scored = candidates[["user_id", "trainer_id", "target_week"]].copy()
    scored["score"] = ranker.score(candidates)
    scored["model_id"] = registry["model_id"].iloc[0]
    return scored
