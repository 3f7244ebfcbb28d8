"""The one place LightGBM models are made: every ranker, classifier and regressor of the project
is deterministic (same data and seed, same model, whatever the thread count), row-wise and
quiet. The weekly trainer rankers train through the core API on one binned Dataset shared by
every fit on the same rows; the re-rankers and the price models use the scikit-learn API.

A fit's threads follow the data (`fit_threads`), up to the project's setting
(`recwarehouse.threads()`): with OpenMP waiting passively (see `recwarehouse`), every parallel
region wakes sleeping threads, and on small data that costs more than a second thread saves.
Predictions use the setting (`predicting`, and `num_threads` on the core API's boosters)."""

from __future__ import annotations

import lightgbm as lgb

from recwarehouse import threads

_FIXED = {"deterministic": True, "force_row_wise": True, "verbose": -1}

# One LightGBM thread per this many training cells (rows x features). Measured on 2 cores, binary
# objective, 15 leaves, 60-100 trees, 2 threads against 1: 30k rows x 40 features 0.59x as fast,
# 100k x 40 (4M cells) 0.84x, 100k x 60 (6M) 1.16x, 300k x 40 (12M) 1.48x, 400k x 60 1.47x; the
# price bands' fits (3,424 bookings) took 5.5 s on 2 threads and 0.6 s on one.
CELLS_PER_THREAD = 5_000_000


def fit_threads(rows: int, features: int, at_most: int | None = None) -> int:
    """Threads for one fit on `rows` x `features`: one per CELLS_PER_THREAD cells, at least one, at
    most `at_most` (default: the project's setting)."""
    limit = at_most if at_most is not None else threads()
    return max(1, min(limit, (int(rows) * int(features)) // CELLS_PER_THREAD))


def predicting(model: lgb.LGBMModel) -> lgb.LGBMModel:
    """A fitted scikit-learn model, set to predict on the project's threads: a prediction is one
    parallel region per call, so a second thread pays off even on small batches (a 50-tree ranker
    on 2 cores: 20k rows 0.011 s against 0.018 s on one thread, 2M rows 0.83 s against 1.27 s),
    whatever the size of the data it was fitted on. The predictions are the same."""
    return model.set_params(n_jobs=threads())


def lightgbm_ranker(params: dict, seed: int, shape: tuple[int, int]) -> lgb.LGBMRanker:
    """A LambdaRank model (`params` holds the objective's settings) for a (rows, features) fit."""
    return lgb.LGBMRanker(**params, **_FIXED, random_state=seed, n_jobs=fit_threads(*shape))


def lightgbm_classifier(params: dict, seed: int, shape: tuple[int, int]) -> lgb.LGBMClassifier:
    """A binary classifier (`params` may hold monotone_constraints and the like) for a (rows,
    features) fit."""
    return lgb.LGBMClassifier(**params, **_FIXED, random_state=seed, n_jobs=fit_threads(*shape))


def lightgbm_regressor(params: dict, seed: int, shape: tuple[int, int]) -> lgb.LGBMRegressor:
    """A regressor (`params` holds the objective, e.g. quantile with its alpha) for a (rows,
    features) fit."""
    return lgb.LGBMRegressor(**params, **_FIXED, random_state=seed, n_jobs=fit_threads(*shape))


def lightgbm_dataset(x, y, groups, feature_names: list[str]) -> lgb.Dataset:
    """Binned once, reusable by every `train_booster` call (any objective: the query groups are
    ignored by the binary one). Pre-filtering is off so fits with other leaf sizes can share it."""
    params = {"feature_pre_filter": False, "verbose": -1, "num_threads": fit_threads(*x.shape)}
    dataset = lgb.Dataset(x, label=y, group=groups, feature_name=feature_names, params=params, free_raw_data=False)
    return dataset.construct()


def train_booster(params: dict, dataset: lgb.Dataset, seed: int, max_threads: int | None = None) -> lgb.Booster:
    """`params` in the scikit-learn names (n_estimators, learning_rate, num_leaves, ...), as the
    registry stores them; LightGBM's core API takes the same names as aliases. The fit's threads
    follow the data (`fit_threads`), at most `max_threads` (default: the project's setting), so
    fits that run side by side can share the cores; the model does not depend on them. Fits may
    share one constructed `dataset`: training only reads it."""
    core = {k: v for k, v in params.items() if k != "n_estimators"}
    n_threads = fit_threads(dataset.num_data(), dataset.num_feature(), max_threads)
    return lgb.train(
        {**core, **_FIXED, "seed": seed, "num_threads": n_threads}, dataset, num_boost_round=params["n_estimators"]
    )
