"""The one place LightGBM models are made: every ranker, classifier and regressor of the project
is deterministic (same data and seed, same model, whatever the thread count), row-wise, quiet,
and uses the project's thread setting (`recwarehouse.threads()`). The weekly trainer rankers train
through the core API on one binned Dataset shared by every fit on the same rows; the re-rankers
and the price models use the scikit-learn API."""

from __future__ import annotations

import lightgbm as lgb

from recwarehouse import threads

_FIXED = {"deterministic": True, "force_row_wise": True, "verbose": -1}


def lightgbm_ranker(params: dict, seed: int) -> lgb.LGBMRanker:
    """A LambdaRank model (`params` holds the objective's settings)."""
    return lgb.LGBMRanker(**params, **_FIXED, random_state=seed, n_jobs=threads())


def lightgbm_classifier(params: dict, seed: int) -> lgb.LGBMClassifier:
    """A binary classifier (`params` may hold monotone_constraints and the like)."""
    return lgb.LGBMClassifier(**params, **_FIXED, random_state=seed, n_jobs=threads())


def lightgbm_regressor(params: dict, seed: int) -> lgb.LGBMRegressor:
    """A regressor (`params` holds the objective, e.g. quantile with its alpha)."""
    return lgb.LGBMRegressor(**params, **_FIXED, random_state=seed, n_jobs=threads())


def lightgbm_dataset(x, y, groups, feature_names: list[str]) -> lgb.Dataset:
    """Binned once, reusable by every `train_booster` call (any objective: the query groups are
    ignored by the binary one). Pre-filtering is off so fits with other leaf sizes can share it."""
    params = {"feature_pre_filter": False, "verbose": -1, "num_threads": threads()}
    dataset = lgb.Dataset(x, label=y, group=groups, feature_name=feature_names, params=params, free_raw_data=False)
    return dataset.construct()


def train_booster(params: dict, dataset: lgb.Dataset, seed: int, num_threads: int | None = None) -> lgb.Booster:
    """`params` in the scikit-learn names (n_estimators, learning_rate, num_leaves, ...), as the
    registry stores them; LightGBM's core API takes the same names as aliases. `num_threads`
    (default: the project's setting) lets fits that run side by side share the cores; the model
    does not depend on it. Fits may share one constructed `dataset`: training only reads it."""
    core = {k: v for k, v in params.items() if k != "n_estimators"}
    return lgb.train(
        {**core, **_FIXED, "seed": seed, "num_threads": num_threads or threads()},
        dataset,
        num_boost_round=params["n_estimators"],
    )
