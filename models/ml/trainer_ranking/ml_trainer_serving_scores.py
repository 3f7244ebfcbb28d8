"""Model scores for the validation-week candidates (by the selected candidate-stage model, fitted
on training weeks only) and the serve-week candidates (by the serving model). Empty when the
registry holds no model: serving then uses the rule-based score. Candidates are scored batch by
batch where they are (`recwarehouse.engine.map_batches`: Arrow record batches on DuckDB, Spark's
executors on Spark), with the fitted model shipped to them, so memory stays flat as the user base
grows and nothing the size of the candidates reaches the driver; only the ids and the model's
features are read. Refuses to score with a model trained on features built with other settings
(`check_features_match`)."""

from recwarehouse.engine import tables
from recwarehouse.trainer_ranking.registry import SCORE_SCHEMA, check_features_match, scoring_columns, split_scorer


def model(dbt, session):
    dbt.config(materialized="table")
    data = tables(dbt, session)
    registry = data.read(dbt.ref("ml_ranker_registry"), order="model_id")
    feature_fingerprint = data.value(dbt.ref("int_trainer_feature_settings"), "max(feature_fingerprint)")
    check_features_match(registry, feature_fingerprint)
    examples = dbt.ref("int_trainer_ranking_examples")
    parts = []
    for split in ("validation", "serve"):
        columns = [data.quote(c) for c in scoring_columns(registry, split)]
        parts.append(
            data.map_batches(
                examples,
                split_scorer(registry, split),
                SCORE_SCHEMA,
                columns=columns,
                where=f"split = '{split}'",
                order="user_id, trainer_id",
            )
        )
    return data.concat(parts)
