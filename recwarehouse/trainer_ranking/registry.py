"""The ranker registry: train every candidate on the training weeks, validate on the held-out
week, choose, refit for serving, decide when to retrain, and score candidates with the chosen
model (in batches)."""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from recwarehouse import threads
from recwarehouse.engine import pandas_dtypes
from recwarehouse.hashing import frame_fingerprint, seeded_hash
from recwarehouse.metrics import METRIC_NAMES, summary_metrics
from recwarehouse.progress import log
from recwarehouse.trainer_ranking.rankers import (
    FOREST_MAX_ROWS,
    FOREST_PARAMS,
    LAMBDARANK_PARAMS,
    LGBM_COMMON,
    LOGISTIC_MAX_ROWS,
    LOGISTIC_PARAMS,
    LightGBMLambdaRanker,
    Ranker,
    TrainingSet,
    candidate_rankers,
    in_query_order,
)


def evaluate(ranker: Ranker, frame: pd.DataFrame, n_relevant: pd.Series, k: int, n_catalog: int) -> dict[str, float]:
    scored = frame[["user_id", "trainer_id", "label"]].copy()
    scored["score"] = ranker.score(frame)
    return summary_metrics(scored, n_relevant, k, n_catalog, item="trainer_id")


def _registry_row(
    ranker: Ranker, stage: str, train: pd.DataFrame, metrics: dict, fit_seconds: float, data_fp: str
) -> dict:
    blob = pickle.dumps(ranker, protocol=5)
    model_sha = hashlib.sha256(blob).hexdigest()  # of the bytes stored, not a seeded hash
    weeks = sorted(pd.to_datetime(train["target_week"]).dt.date.unique())
    return {
        "model_id": f"{ranker.name}-{stage}-{data_fp[:10]}",
        "algorithm": ranker.name,
        "stage": stage,
        "params": json.dumps(ranker.params, sort_keys=True),
        "features": json.dumps(ranker.features),
        "first_train_week": weeks[0],
        "last_train_week": weeks[-1],
        "training_rows": len(train),
        "fit_seconds": round(fit_seconds, 3),
        **metrics,
        "data_fingerprint": data_fp,
        "model_sha256": model_sha,
        "model_blob": base64.b64encode(blob).decode("ascii"),
        "trained_at": datetime.now(UTC).replace(tzinfo=None, microsecond=0),
    }


def capped_users(frame: pd.DataFrame, max_rows: int | None, seed: int) -> set | None:
    """The users `cap_rows_by_user` keeps, or None when it keeps every row."""
    if max_rows is None or len(frame) <= max_rows:
        return None
    users = np.sort(frame["user_id"].astype(str).unique())
    order = sorted(users, key=lambda u: seeded_hash(u, seed))
    sizes = frame.groupby("user_id").size().reindex(order).to_numpy()
    return set(np.asarray(order)[np.cumsum(sizes) <= max_rows])


def cap_rows_by_user(frame: pd.DataFrame, max_rows: int | None, seed: int) -> pd.DataFrame:
    """At most `max_rows` rows, keeping whole users (every week and candidate of a kept user) in a
    seeded order, so LambdaRank's query groups stay intact. `None` keeps everything."""
    keep = capped_users(frame, max_rows, seed)
    if keep is None:
        return frame
    return frame[frame["user_id"].isin(keep)].reset_index(drop=True)


def prepare_examples(examples: pd.DataFrame, max_training_rows: int | None, seed: int) -> pd.DataFrame:
    """The labelled rows the rankers see, in query order (`in_query_order`): a database scan may
    return them in any order, and tree learners and the fingerprint depend on order. Training rows
    past `max_training_rows` are cut to a seeded sample of whole users (`cap_rows_by_user`)."""
    examples = in_query_order(examples)
    train = (examples["split"] == "train").to_numpy()
    keep = capped_users(examples[train], max_training_rows, seed)
    if keep is None:
        return examples
    return examples[~train | examples["user_id"].isin(keep).to_numpy()].reset_index(drop=True)


def examples_fingerprint(examples: pd.DataFrame, max_training_rows: int | None, seed: int) -> str:
    """The `data_fingerprint` `train_and_select` would record for these examples."""
    return frame_fingerprint(prepare_examples(examples, max_training_rows, seed).drop(columns=["split"]))


def training_settings(k: int, seed: int, max_training_rows: int | None, feature_fingerprint: str = "") -> str:
    """Everything besides the data that decides what training produces, as canonical JSON: the
    vars, each candidate ranker's parameters, the LightGBM settings in this package and the
    fingerprint of what shapes the training examples (`int_trainer_feature_settings`: the SQL of
    the examples model and its upstream, and every var it reads). Stored with every registry row,
    so a changed var, feature formula or package version forces a retrain."""
    return json.dumps(
        {
            "features": feature_fingerprint,
            "k": k,
            "random_seed": seed,
            "max_training_rows": max_training_rows,
            "rankers": {r.name: r.params for r in candidate_rankers(seed, k)},
            "logistic_regression": {**LOGISTIC_PARAMS, "max_rows": LOGISTIC_MAX_ROWS},
            "random_forest": {**FOREST_PARAMS, "max_rows": FOREST_MAX_ROWS},
            "lightgbm": LGBM_COMMON,
            "lambdarank": {**LAMBDARANK_PARAMS, "bags": LightGBMLambdaRanker.bags},
        },
        sort_keys=True,
    )


def retrain_reason(
    stored: pd.DataFrame | None,
    validation_week: date,
    settings: str,
    retrain_every_weeks: int,
    data_fingerprint: Callable[[], str],
) -> str | None:
    """Why the rankers must be trained again, or None when the stored registry can keep serving.

    Retrain when there is no stored model, when the settings differ, when the validation week moved
    back, when the models are `retrain_every_weeks` or more weeks older than the validation week,
    or, in the same week, when the labelled data changed (late data: `data_fingerprint()` is only
    called then). Models younger than `retrain_every_weeks` keep serving the new weeks."""
    if stored is None:
        return "no stored models (first build or --full-refresh)"
    if stored.empty:
        return "the stored registry holds no model"
    if "training_settings" not in stored.columns or set(stored["training_settings"]) != {settings}:
        return (
            "training settings changed (vars k, random_seed, max_training_rows, ranker parameters,"
            " or what shapes the features: see int_trainer_feature_settings)"
        )
    stored_week = pd.Timestamp(stored["validation_week"].iloc[0]).date()
    age = (pd.Timestamp(validation_week).date() - stored_week).days // 7
    if age < 0:
        return f"the validation week moved back from {stored_week} to {validation_week}"
    if age == 0:
        if data_fingerprint() != stored["data_fingerprint"].iloc[0]:
            return f"the labelled weeks up to {validation_week} changed"
        return None
    if age >= retrain_every_weeks:
        weeks = "week" if age == 1 else "weeks"
        return (
            f"the models are {age} {weeks} older than validation week {validation_week}"
            f" (retrain_every_weeks {retrain_every_weeks})"
        )
    return None


def fit_side_by_side(rankers: list[Ranker], train: TrainingSet) -> list[tuple[Ranker, float]]:
    """Fit every ranker on `train` and return each with its fit seconds, in the given order.

    Fits run side by side, two at a time when the project has two threads or more, each on at
    most its share of them (`threads() // 2`; `boosting.fit_threads` may give fewer): one
    LightGBM fit on 2 threads ran only 1.3x faster than on one, so the classifier and LambdaRank
    together took 12.4 s one after the other on 2 threads and 8.2 s side by side on one thread
    each (the demo's training weeks). With one thread they run one after the other. The models
    are the same either way (LightGBM is deterministic whatever its thread count); the shared
    binned Dataset is built before the fits start."""
    train.binned()
    workers = max(1, min(2, threads()))
    per_fit = max(1, threads() // workers)

    def fit(ranker: Ranker) -> tuple[Ranker, float]:
        started = time.perf_counter()
        ranker.fit(train, max_threads=per_fit)
        return ranker, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fit, rankers))


def train_and_select(
    examples: pd.DataFrame,
    n_relevant: pd.Series,
    k: int,
    seed: int,
    n_catalog: int,
    max_training_rows: int | None = None,
    trained_because: str = "",
    feature_fingerprint: str = "",
) -> pd.DataFrame:
    """Fit every candidate on the train split, score the validation split, pick the best NDCG@K,
    then refit that algorithm on train + validation for serving. Returns registry rows.

    Rows are put in a fixed order and capped first (`prepare_examples`). Metrics average over the
    validation users present in `examples` (the build may sample users for the validation week)."""
    examples = prepare_examples(examples, max_training_rows, seed)
    n_relevant = n_relevant[n_relevant.index.isin(examples.loc[examples["split"] == "validation", "user_id"])]
    train = examples[examples["split"] == "train"].reset_index(drop=True)
    valid = examples[examples["split"] == "validation"].reset_index(drop=True)
    if train.empty or valid.empty or train["label"].nunique() < 2:
        # no training data (a new platform, or split vars that leave no training week): an empty
        # registry; serving then falls back to the rule-based score and says so in the run log
        return empty_registry()
    data_fp = frame_fingerprint(examples.drop(columns=["split"]))
    log(
        f"training on {len(train):,} rows ({train[['target_week', 'user_id']].drop_duplicates().shape[0]:,} user"
        f" weeks), validating on {len(valid):,} rows of {valid['user_id'].nunique():,} users; {threads()} threads"
    )
    rows = []
    train_set = TrainingSet.of(train)  # arrays and LightGBM bins built once for every candidate
    for ranker, fit_seconds in fit_side_by_side(candidate_rankers(seed, k), train_set):
        metrics = evaluate(ranker, valid, n_relevant, k, n_catalog)
        log(f"{ranker.name}: fit {fit_seconds:.1f} s, validation NDCG@{k} {metrics['ndcg_at_k']:.4f}")
        rows.append(_registry_row(ranker, "candidate", train, metrics, fit_seconds, data_fp))
    registry = pd.DataFrame(rows)
    ranked = registry.sort_values(["ndcg_at_k", "algorithm"], ascending=[False, True])
    best, runner_up = ranked.iloc[0], ranked.iloc[1]
    registry["is_selected"] = registry["model_id"] == best["model_id"]
    log(
        f"chosen: {best['algorithm']} (best validation NDCG@{k} {best['ndcg_at_k']:.4f};"
        f" runner-up {runner_up['algorithm']} {runner_up['ndcg_at_k']:.4f})"
    )
    # refit the chosen algorithm on every labelled week, for serving
    chosen = next(r for r in candidate_rankers(seed, k) if r.name == best["algorithm"])
    both = examples[examples["split"].isin(["train", "validation"])].reset_index(drop=True)
    t0 = time.perf_counter()
    chosen.fit(TrainingSet.of(both))
    log(f"{best['algorithm']} refitted on {len(both):,} rows for serving in {time.perf_counter() - t0:.1f} s")
    serving = _registry_row(
        chosen,
        "serving",
        both,
        {
            m: best[m]
            for m in [*best.index]
            if m.endswith("_at_k") or m in ("auc", "catalog_coverage", "users_evaluated")
        },
        time.perf_counter() - t0,
        data_fp,
    )
    serving["is_selected"] = True
    registry = pd.concat([registry, pd.DataFrame([serving])], ignore_index=True)
    registry["k"] = k
    registry["validation_week"] = pd.to_datetime(valid["target_week"]).dt.date.iloc[0]
    registry["training_settings"] = training_settings(k, seed, max_training_rows, feature_fingerprint)
    registry["trained_because"] = trained_because
    return registry


# What the registry writes, in Spark's DDL (recwarehouse.engine): one table on both engines
REGISTRY_SCHEMA = ", ".join(
    [
        "model_id string, algorithm string, stage string, params string, features string",
        "first_train_week date, last_train_week date, training_rows bigint, fit_seconds double",
        *[f"{m} double" for m in METRIC_NAMES],
        "auc double, catalog_coverage double, gini_exposure double, top_item_share double, users_evaluated bigint",
        "data_fingerprint string, model_sha256 string, model_blob string, trained_at timestamp, is_selected boolean",
        "k bigint, validation_week date, training_settings string, trained_because string",
    ]
)
REGISTRY_COLUMNS = pandas_dtypes(REGISTRY_SCHEMA)


def _typed_empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def empty_registry() -> pd.DataFrame:
    """A registry with no model, typed like a full one."""
    return _typed_empty(REGISTRY_COLUMNS)


def check_features_match(registry: pd.DataFrame, feature_fingerprint: str) -> None:
    """Stop before serving when the registry's models were trained on examples shaped by other
    settings than the current ones (e.g. only the serving models were rebuilt after `decay`
    changed). An empty registry (rule-based serving) passes."""
    if registry.empty:
        return
    trained = {json.loads(s).get("features", "") for s in registry["training_settings"]}
    if trained != {feature_fingerprint}:
        raise RuntimeError(
            "ml_ranker_registry: the models were trained on features shaped by other settings"
            f" (fingerprint {sorted(trained)} vs {feature_fingerprint} in int_trainer_feature_settings);"
            " rebuild the registry first: dbt build --select ml_ranker_registry+"
        )


def score_batches(registry: pd.DataFrame, batches, split: str) -> pd.DataFrame:
    """Score one split's candidates arriving as Arrow record batches (or data frames), one batch in
    memory at a time, with `split_scorer` (the model is loaded once)."""
    scorer = split_scorer(registry, split)
    frames = (batch if isinstance(batch, pd.DataFrame) else batch.to_pandas() for batch in batches)
    return pd.concat([_typed_empty(SCORE_COLUMNS), *(scorer(frame) for frame in frames)], ignore_index=True)


def scoring_columns(registry: pd.DataFrame, split: str) -> list[str]:
    """The columns `score_batches` reads for `split`: the ids and the features of the model that
    scores it (every ranker reads only those), so a large week is fetched without the rest."""
    chosen = _model_for(registry, split)
    features = [] if chosen is None else json.loads(chosen["features"])
    return ["user_id", "trainer_id", *[f for f in features if f not in ("user_id", "trainer_id")]]


def _model_for(registry: pd.DataFrame, split: str) -> pd.Series | None:
    """The registry row that scores `split`: validation rows by the selected candidate-stage model
    (fitted on training weeks only, so validation stays held out), serve rows by the serving model."""
    stage = {"validation": "candidate", "serve": "serving"}[split]
    chosen = registry[(registry["stage"] == stage) & registry["is_selected"]]
    return None if chosen.empty else chosen.iloc[0]


def _scores_frame(rows: pd.DataFrame, split: str, scores: np.ndarray, model_id: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": rows["user_id"].to_numpy(),
            "trainer_id": rows["trainer_id"].to_numpy(),
            "split": split,
            "score": scores,
            "model_id": model_id,
        }
    )


def score_splits(registry: pd.DataFrame, examples: pd.DataFrame) -> pd.DataFrame:
    """Model scores for the validation and serve candidates of one frame (see `_model_for`), by
    `score_batches` split by split. An empty registry gives an empty, typed frame."""
    return pd.concat(
        [score_batches(registry, [examples[examples["split"] == split]], split) for split in ("validation", "serve")],
        ignore_index=True,
    )


def load_model(blob: str) -> Ranker:
    """Rebuild a ranker from its registry blob."""
    # our own registry, written by train_and_select: never load a blob from elsewhere
    return pickle.loads(base64.b64decode(blob))


# What the serving scores write
SCORE_SCHEMA = "user_id string, trainer_id string, split string, score double, model_id string"
SCORE_COLUMNS = pandas_dtypes(SCORE_SCHEMA)


class split_scorer:  # noqa: N801 - used as a function: split_scorer(registry, split)(rows)
    """Scores one split's candidate rows with the registry's model for that split (`_model_for`),
    batch by batch: a function of a frame of rows for `Tables.map_batches`, which runs it where the
    rows are (on Spark, on the executors; the model is unpickled once per worker)."""

    def __init__(self, registry: pd.DataFrame, split: str) -> None:
        chosen = _model_for(registry, split)
        self.split = split
        self.model_id = None if chosen is None else chosen["model_id"]
        self.blob = None if chosen is None else chosen["model_blob"]
        self._ranker = None

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        if self.blob is None or rows.empty:
            return _typed_empty(SCORE_COLUMNS)
        if self._ranker is None:
            self._ranker = load_model(self.blob)
        return _scores_frame(rows, self.split, self._ranker.score(rows), self.model_id)
