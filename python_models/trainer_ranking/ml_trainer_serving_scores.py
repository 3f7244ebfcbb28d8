"""Model scores for the validation-week candidates (by the selected candidate-stage model, fitted
on training weeks only) and the serve-week candidates (by the serving model). Empty when the
registry holds no model: serving then uses the rule-based score. Candidates are read and scored
in Arrow record batches, so memory stays flat as the user base grows; only the ids and the
model's features are read. Refuses to score with a model
trained on features built with other settings (`check_features_match`)."""

import pandas as pd

from recwarehouse.trainer_ranking.registry import check_features_match, score_batches, scoring_columns

BATCH_ROWS = 500_000


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_ranker_registry").df()
    (feature_fingerprint,) = dbt.ref("int_trainer_feature_settings").project("feature_fingerprint").fetchone()
    check_features_match(registry, feature_fingerprint)
    examples = dbt.ref("int_trainer_ranking_examples")
    parts = []
    for split in ("validation", "serve"):
        columns = ", ".join(f'"{c}"' for c in scoring_columns(registry, split))  # the ids and the model's features
        rows = examples.filter(f"split = '{split}'").project(columns).order("user_id, trainer_id")
        parts.append(score_batches(registry, rows.fetch_record_batch(BATCH_ROWS), split))
    return pd.concat(parts, ignore_index=True)
