"""Model scores for the validation-week candidates (by the selected candidate-stage model, fitted
on training weeks only) and the serve-week candidates (by the serving model). Empty when the
registry holds no model: serving then uses the rule-based score."""

from recwarehouse.ranking import score_splits


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_ranker_registry").df()
    examples = dbt.ref("int_trainer_ranking_examples").filter("split in ('validation', 'serve')").df()
    examples = examples.sort_values(["split", "user_id", "trainer_id"], kind="mergesort").reset_index(drop=True)
    return score_splits(registry, examples)
