"""The one place LightGBM models are made: every ranker and classifier of the project is
deterministic (same data and seed, same model, whatever the thread count), row-wise, quiet, and
uses the project's thread setting (`recwarehouse.threads()`)."""

from __future__ import annotations

import lightgbm as lgb

from recwarehouse import threads

_FIXED = {"deterministic": True, "force_row_wise": True, "verbose": -1}


def lightgbm_ranker(params: dict, seed: int) -> lgb.LGBMRanker:
    """A LambdaRank model (`params` holds the objective's settings)."""
    return lgb.LGBMRanker(**params, **_FIXED, random_state=seed, n_jobs=threads())


def lightgbm_classifier(params: dict, seed: int) -> lgb.LGBMClassifier:
    return lgb.LGBMClassifier(**params, **_FIXED, random_state=seed, n_jobs=threads())
