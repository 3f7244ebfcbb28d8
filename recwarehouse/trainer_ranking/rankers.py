"""The rankers of the weekly trainer recommendations.

Every ranker has ``fit(train)`` and ``score(frame)``; scores are in [0, 1] and only their order
within a user matters. Baselines (random, popularity, goal rule) are scored like the learned
models so the leaderboard compares like with like. Learned rankers fit on a `TrainingSet`: the
arrays (and LightGBM's binned Dataset) are built once and shared by every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from recwarehouse import thread_limit, threads
from recwarehouse.boosting import lightgbm_dataset, train_booster
from recwarehouse.hashing import seeded_units

ID_COLUMNS = ["user_id", "trainer_id", "target_week", "split", "candidate_source", "user_goal"]
NON_FEATURES = {*ID_COLUMNS, "label", "max_source_week"}
QUERY_ORDER = ["target_week", "user_id", "trainer_id"]  # a query group is one (target week, user)


def _sorted_by(frame: pd.DataFrame, columns: list[str]) -> bool:
    """Whether the rows are already in ascending order of `columns` (lexicographic; equal keys
    allowed), checked in one vectorised pass instead of a sort."""
    if len(frame) < 2:
        return True
    ahead = np.ones(len(frame) - 1, dtype=bool)  # rows whose order is still decided by later columns
    for column in columns:
        values = frame[column].to_numpy()
        before, after = values[:-1], values[1:]
        try:
            if np.any(ahead & (after < before)):
                return False
        except TypeError:  # a missing key among texts: let the sort place it
            return False
        ahead &= after == before
    return True


def in_query_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in query order (target week, user, trainer; a stable sort), on a fresh 0..n-1
    index. Rows already in that order are returned as they are, without a sort or a copy."""
    if not _sorted_by(frame, QUERY_ORDER):
        return frame.sort_values(QUERY_ORDER, kind="mergesort").reset_index(drop=True)
    if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1:
        return frame
    return frame.reset_index(drop=True)


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Every numeric column that is not an id, the label or bookkeeping, in table order."""
    return [
        c
        for c in frame.columns
        if c not in NON_FEATURES and (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]


def _squash(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


@dataclass
class TrainingSet:
    """The rows one fit sees, turned into arrays once and shared by every candidate ranker: the
    feature matrix, labels and LambdaRank's query groups (target week x user), and LightGBM's
    binned Dataset, built on first use and reused by every LightGBM fit on these rows."""

    features: list[str]
    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    _binned: lgb.Dataset | None = field(default=None, repr=False)

    @classmethod
    def of(cls, frame: pd.DataFrame) -> TrainingSet:
        ordered = in_query_order(frame)
        features = feature_columns(ordered)
        groups = ordered.groupby(["target_week", "user_id"], sort=False).size().to_numpy()
        return cls(features, ordered[features].to_numpy(dtype=float), ordered["label"].to_numpy(int), groups)

    def binned(self) -> lgb.Dataset:
        if self._binned is None:
            self._binned = lightgbm_dataset(self.x, self.y, self.groups, self.features)
        return self._binned


def as_training_set(train: pd.DataFrame | TrainingSet) -> TrainingSet:
    return train if isinstance(train, TrainingSet) else TrainingSet.of(train)


@dataclass
class Ranker:
    """Base class: a named, parameterised scorer."""

    seed: int = 42
    name: str = "ranker"
    params: dict = field(default_factory=dict)
    features: list[str] = field(default_factory=list)

    def fit(self, train: pd.DataFrame | TrainingSet, max_threads: int | None = None) -> Ranker:
        """Learn from `train`; learned rankers use at most `max_threads` (default: the project's setting)."""
        self.features = as_training_set(train).features
        return self

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def _x(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.features].to_numpy(dtype=float)


@dataclass
class RandomRanker(Ranker):
    name: str = "random"

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        # a seeded hash of (user, trainer): the same pair always gets the same score
        keys = (frame["user_id"].astype(str) + "|" + frame["trainer_id"].astype(str)).to_numpy()
        return seeded_units(keys, self.seed)


@dataclass
class PopularityRanker(Ranker):
    """Recency-weighted popularity: the trainer's decayed clicks + views + likes."""

    name: str = "popularity"

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        return 1.0 - 1.0 / (1.0 + np.log1p(frame["trainer_engagement_decayed"].to_numpy(dtype=float)))


@dataclass
class GoalPopularityRanker(Ranker):
    """The rule: goal-matched trainers first, each group by recency-weighted popularity."""

    name: str = "goal_rule"

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        pop = 1.0 - 1.0 / (1.0 + np.log1p(frame["trainer_engagement_decayed"].to_numpy(dtype=float)))
        return (frame["goal_match"].to_numpy(dtype=float) + pop) / 2.0


# The scikit-learn candidates, bounded to fit the build's budget (both together add at most 3 s to
# the demo build, bench/build_speed.py): each fits on a seeded sample of the training rows, so its
# cost stops growing with the weeks. Logistic regression: at most LOGISTIC_MAX_ROWS rows,
# standardised features (a missing value is the feature's training mean: the median took 2.8 s on
# the demo's 294k rows), L2, Newton-Cholesky (exact in a few iterations: 1.1 s on those rows
# against 2.1 s for lbfgs). The random forest: at most FOREST_MAX_ROWS rows, each tree on a
# bootstrap sample of half of them, depth and leaf size bounded; scikit-learn's trees pay for every
# row they are handed, sampled or not (60 trees: 8.6 s on the demo's rows, 3.8 s on 60,000).
LOGISTIC_PARAMS = {"C": 1.0, "max_iter": 100, "solver": "newton-cholesky"}
LOGISTIC_MAX_ROWS = 100_000
FOREST_PARAMS = {"n_estimators": 40, "max_depth": 8, "min_samples_leaf": 20, "max_features": "sqrt"}
FOREST_MAX_ROWS = 30_000


def sampled_rows(n: int, at_most: int, seed: int) -> np.ndarray:
    """Every row index, or a seeded sample of `at_most` of them, in order."""
    if n <= at_most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, at_most, replace=False))


@dataclass
class LogisticRegressionRanker(Ranker):
    """Logistic regression on the standardised features of a seeded sample of at most
    LOGISTIC_MAX_ROWS training rows: the linear reference the boosted models are measured against."""

    name: str = "logistic_regression"

    def fit(self, train: pd.DataFrame | TrainingSet, max_threads: int | None = None) -> Ranker:
        data = as_training_set(train)
        super().fit(data)
        rows = sampled_rows(len(data.y), LOGISTIC_MAX_ROWS, self.seed)
        self.params = {**LOGISTIC_PARAMS, "rows": len(rows)}
        self.model = make_pipeline(
            SimpleImputer(strategy="mean", keep_empty_features=True),
            StandardScaler(),
            LogisticRegression(**LOGISTIC_PARAMS, random_state=self.seed),
        )
        # one BLAS thread, held: the solver's X'WX sums in another order on two threads (the
        # coefficients moved by 2e-14 on the demo), and the registry stores the model bit for bit
        with thread_limit(1, hold=True):
            self.model.fit(data.x[rows], data.y[rows])
        return self

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self._x(frame))[:, 1]


@dataclass
class RandomForestRanker(Ranker):
    """A random forest of bounded trees on a seeded sample of at most FOREST_MAX_ROWS training
    rows, each tree on a bootstrap sample of half of them. The same forest whatever its fit's
    thread count (scikit-learn draws every tree's seed up front)."""

    name: str = "random_forest"

    def fit(self, train: pd.DataFrame | TrainingSet, max_threads: int | None = None) -> Ranker:
        data = as_training_set(train)
        super().fit(data)
        rows = sampled_rows(len(data.y), FOREST_MAX_ROWS, self.seed)
        self.params = {**FOREST_PARAMS, "max_samples": max(1, len(rows) // 2), "rows": len(rows)}
        self.model = RandomForestClassifier(
            **FOREST_PARAMS,
            max_samples=self.params["max_samples"],
            random_state=self.seed,
            n_jobs=max_threads if max_threads is not None else threads(),
        )
        self.model.fit(data.x[rows].astype(np.float32), data.y[rows])
        # scoring on one thread: scikit-learn adds the trees' votes in the order its threads finish,
        # so on two the last bits of a score vary run to run
        self.model.set_params(n_jobs=1)
        return self

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self._x(frame).astype(np.float32))[:, 1]


LGBM_COMMON = {
    "n_estimators": 200,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
}


@dataclass
class LightGBMClassifierRanker(Ranker):
    name: str = "lightgbm_classifier"

    def fit(self, train: pd.DataFrame | TrainingSet, max_threads: int | None = None) -> Ranker:
        data = as_training_set(train)
        super().fit(data)
        self.params = dict(LGBM_COMMON)
        self.model = train_booster({**self.params, "objective": "binary"}, data.binned(), self.seed, max_threads)
        return self

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        # the binary objective predicts probabilities; predictions use every thread (boosting.predicting)
        return self.model.predict(self._x(frame), num_threads=threads())


# LambdaRank's own settings: smaller trees with more rows per leaf than the classifier's. One model
# of 150 steps at lr 0.07: on four generated worlds a bag of five seeded 300-step models at lr 0.035
# (the previous setting) was no better, at about ten times the cost.
LAMBDARANK_PARAMS = {
    **LGBM_COMMON,
    "n_estimators": 150,
    "learning_rate": 0.07,
    "num_leaves": 15,
    "min_child_samples": 80,
}


@dataclass
class LightGBMLambdaRanker(Ranker):
    """LambdaRank: one query group per (target week, user), optimising NDCG directly.

    `bags` > 1 averages that many models that differ only in their seed (seed, seed + 1, ...)."""

    name: str = "lightgbm_lambdarank"
    k: int = 5
    bags: int = 1

    def fit(self, train: pd.DataFrame | TrainingSet, max_threads: int | None = None) -> Ranker:
        data = as_training_set(train)
        super().fit(data)
        self.params = {**LAMBDARANK_PARAMS, "objective": "lambdarank", "lambdarank_truncation_level": 2 * self.k}
        binned = data.binned()
        self.models = [train_booster(self.params, binned, self.seed + bag, max_threads) for bag in range(self.bags)]
        self.params = {**self.params, "bags": self.bags}
        return self

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        x = self._x(frame)
        return np.mean([_squash(model.predict(x, num_threads=threads())) for model in self.models], axis=0)


def candidate_rankers(seed: int, k: int) -> list[Ranker]:
    """The leaderboard: three free baselines, logistic regression, a random forest and the two
    LightGBM learners, each chosen only when it wins on validation."""
    return [
        RandomRanker(seed=seed),
        PopularityRanker(seed=seed),
        GoalPopularityRanker(seed=seed),
        LogisticRegressionRanker(seed=seed),
        RandomForestRanker(seed=seed),
        LightGBMClassifierRanker(seed=seed),
        LightGBMLambdaRanker(seed=seed, k=k),
    ]
