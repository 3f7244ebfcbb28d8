"""Leakage guard by perturbation: change every raw row at or after week T (drop some, alter some,
add new ones), rebuild the as-of models with the same vars, and check that no feature of a target
week <= T moved. Unlike the `max_source_week` data test, this does not trust any model to report
what it read: a model that reads week T anywhere (a join on T instead of T-1, a completion that
happened after T) fails here.

Both builds (original and perturbed test data) run the SQL models only; the Python models' output
(the ranker's scores) is copied from the test warehouse into both, so the re-ranker's features are
compared with the model held fixed. The cold-start scores are checked the same way, as of the day
before T."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from recwarehouse.demo.catalog import RAW_TABLES as TABLES

pytestmark = pytest.mark.warehouse

ROOT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
PYTHON_OUTPUTS = ["ml.ml_ranker_registry", "ml.ml_trainer_serving_scores", "ml.ml_serving_selection"]
# the SQL models up to every as-of model, then (with the ranker's scores and the serving choice
# copied in) the scaled scores, the blend and the re-ranker's candidates
SQL_SELECTION = (
    "+int_trainer_ranking_examples +int_trainer_rule_scores +int_segment_workouts_scored +fct_instructor_flags"
    " +int_trainer_price_features"
)
AFTER_SCORES_SELECTION = "int_trainer_scores_scaled int_trainer_scores_blended int_trainer_rerank_candidates"
# (table, key columns, columns that are the target week's outcome, not a feature); every as-of
# model of the project is here: pair, user, trainer, rule scores, candidates, examples, blend,
# re-ranker features and the cold-start scores as of a date
AS_OF_MODELS = [
    ("intermediate.int_user_trainer_features_as_of", ["target_week", "user_id", "trainer_id"], []),
    ("intermediate.int_user_features_as_of", ["target_week", "user_id"], []),
    ("intermediate.int_trainer_features_as_of", ["target_week", "trainer_id"], []),
    ("intermediate.int_trainer_feedback_as_of", ["target_week", "trainer_id"], []),
    ("intermediate.int_trainer_rule_scores", ["target_week", "trainer_id"], []),
    ("intermediate.int_trainer_price_features", ["target_week", "trainer_id"], []),
    ("intermediate.int_user_trainer_candidates", ["target_week", "user_id", "trainer_id"], []),
    ("intermediate.int_trainer_ranking_examples", ["target_week", "user_id", "trainer_id"], ["label"]),
    ("intermediate.int_trainer_scores_scaled", ["target_week", "user_id", "trainer_id"], []),
    ("intermediate.int_trainer_scores_blended", ["target_week", "user_id", "trainer_id"], []),
    (
        "intermediate.int_trainer_rerank_candidates",
        ["target_week", "user_id", "trainer_id"],
        ["label", "is_impressed"],
    ),
    ("intermediate.int_segment_workouts_aggregated", None, []),
    ("intermediate.int_segment_workouts_scored", None, []),
    ("intermediate.int_trainer_quality_scored", None, []),
    ("marts.fct_instructor_flags", None, []),
]


def perturb_from(frames: dict[str, pd.DataFrame], cut: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """Every row dated at or after `cut` is dropped, altered or joined by new rows; nothing before
    `cut` changes, except facts that only became true at or after it (a session completed later)."""
    out = {name: frame.copy() for name, frame in frames.items()}
    trainers = sorted(out["trainers"]["trainer_id"].dropna().unique())
    users = out["users"]
    sessions, events, feedback = out["sessions"], out["events"], out["feedback"]

    late = events["event_at"] >= cut
    late_ids = events.loc[late, "event_id"]
    dropped = late & (events["event_id"] % 2 == 0)
    altered = late & ~dropped & (events["event_type"] == "impression")
    events.loc[altered, "event_type"] = "click"
    added = events[late & ~dropped].copy()
    added["event_id"] = np.arange(len(added)) + int(events["event_id"].max()) + 1
    added["trainer_id"] = [trainers[i % len(trainers)] for i in range(len(added))]
    added["workout_id"] = None
    added["event_type"] = "video_view"
    added["watch_fraction"] = 1.0
    out["events"] = pd.concat([events[~dropped], added], ignore_index=True)
    assert len(late_ids) > 0, "no events at or after the cut: the perturbation would test nothing"

    started_late = sessions["started_at"] >= cut
    sessions.loc[started_late & sessions["completed_at"].isna(), "completed_at"] = sessions["started_at"] + timedelta(
        minutes=30
    )
    sessions.loc[~started_late & (sessions["completed_at"] >= cut), "completed_at"] = pd.NaT  # not known at cut
    extra_sessions = sessions[started_late].copy()
    extra_sessions["session_id"] = np.arange(len(extra_sessions)) + int(sessions["session_id"].max()) + 1
    extra_sessions["completed_at"] = extra_sessions["started_at"] + timedelta(minutes=10)
    out["sessions"] = pd.concat([sessions[~(started_late & (sessions["session_id"] % 3 == 0))], extra_sessions])

    late_feedback = feedback["feedback_at"] >= cut
    feedback.loc[late_feedback, "liked"] = 1 - feedback.loc[late_feedback, "liked"].clip(0, 1)
    out["feedback"] = feedback[~(late_feedback & (feedback["feedback_id"] % 2 == 0))]

    bookings = out["bookings"]
    late_bookings = bookings["booked_at"] >= cut
    bookings.loc[late_bookings, "price_paid"] = bookings.loc[late_bookings, "price_paid"] * 3
    bookings.loc[late_bookings, "status"] = "accepted"
    out["bookings"] = bookings[~(late_bookings & (bookings["booking_id"] % 2 == 0))]

    # feedback given at or after the cut: some dropped, the rest turned into complaints, and
    # complaints about the first trainer from people who were never asked
    said = out["recommendation_feedback"]
    late_said = said["given_at"] >= cut
    assert late_said.any(), "no recommendation feedback at or after the cut: the perturbation would test nothing"
    said.loc[late_said, "feedback_type"] = "too_expensive"
    kept = said[~(late_said & (np.arange(len(said)) % 2 == 0))]
    crowd = pd.DataFrame(
        {
            "user_id": users["user_id"].iloc[:20].to_numpy(),
            "trainer_id": trainers[0],
            "served_week": (cut - timedelta(days=7)).date(),
            "feedback_type": "too_far",
            "comment": None,
            "given_at": cut + timedelta(hours=3),
        }
    )
    out["recommendation_feedback"] = pd.concat([kept, crowd.astype(kept.dtypes)], ignore_index=True)

    newcomer = users.iloc[[0]].assign(user_id="u_after_cut", signup_at=cut + timedelta(hours=1))
    out["users"] = pd.concat([users, newcomer], ignore_index=True)
    workouts = out["workouts"]
    fresh = workouts.iloc[[0]].assign(workout_id="w_after_cut", published_at=cut + timedelta(hours=2))
    out["workouts"] = pd.concat([workouts, fresh], ignore_index=True)
    return out


def build(raw: Path, db: Path, vars_yaml: str, tmp_path: Path, python_outputs_from: Path) -> None:
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_TEST_DB": str(db)}
    common = ["--target", "test", "--vars", vars_yaml, "--target-path", str(tmp_path / "target"),
              "--log-path", str(tmp_path / "logs")]  # fmt: skip

    def dbt_run(selection: str) -> None:
        result = subprocess.run([DBT, "build", "--select", *selection.split(), "--exclude-resource-type", "test",
                                 "--exclude-resource-type", "unit_test", *common],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:]

    dbt_run(SQL_SELECTION)
    with duckdb.connect(str(db)) as con:
        con.sql(f"attach '{python_outputs_from}' as source (read_only)")
        con.sql("create schema if not exists ml")
        for table in PYTHON_OUTPUTS:
            con.sql(f"create or replace table {table} as select * from source.{table}")
    dbt_run(AFTER_SCORES_SELECTION)


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """None when equal (floats to 1e-9 relative), else what differs."""
    if list(a.columns) != list(b.columns):
        return f"columns differ: {sorted(set(a.columns) ^ set(b.columns))}"
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)} rows"
    for column in a.columns:
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            same = np.isclose(x.astype(float), y.astype(float), rtol=1e-9, atol=1e-12, equal_nan=True)
        else:
            same = (x == y) | (x.isna() & y.isna())
        if not bool(np.all(same)):
            first = int(np.flatnonzero(~np.asarray(same))[0])
            return f"column {column} moved, first at row {first}: {x.iloc[first]!r} -> {y.iloc[first]!r}"
    return None


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, Path, pd.Timestamp]:
    tmp = tmp_path_factory.mktemp("leakage")
    test_db = Path(os.environ["RECWAREHOUSE_TEST_DB"])
    with duckdb.connect(str(test_db), read_only=True) as con:
        weeks = dict(
            con.sql("select split, min(target_week) from intermediate.int_target_weeks group by split").fetchall()
        )
    cut = pd.Timestamp(weeks["validation"])
    vars_yaml = (
        "{raw_data_path: RAW, reject_share_threshold: 0.25, exploration_rate: 0.2, min_candidates_per_user: 12,"
        " max_collaborative_candidates: 3,"
        f" first_target_week: '{weeks['train']}', validation_week: '{weeks['validation']}',"
        f" serve_week: '{weeks['serve']}', segment_as_of_date: '{(cut - timedelta(days=1)).date()}'}}"
    )
    frames = {t: pd.read_parquet(ROOT / "data" / "test" / f"{t}.parquet") for t in TABLES}
    jobs = []
    for name, data in [("original", frames), ("perturbed", perturb_from(frames, cut))]:
        raw = tmp / name / "raw"
        raw.mkdir(parents=True)
        for table, frame in data.items():
            frame.to_parquet(raw / f"{table}.parquet", index=False)
        db = tmp / name / "test_warehouse.duckdb"  # the same file name: views name their catalog
        jobs.append((raw, db, vars_yaml.replace("RAW", str(raw)), tmp / name, test_db))
    # the two builds are independent (own folders and files): side by side, as dbt's start-up is
    # most of each one's time
    from concurrent.futures import ThreadPoolExecutor

    from recwarehouse import threads

    with ThreadPoolExecutor(max_workers=threads()) as pool:
        for future in [pool.submit(build, *job) for job in jobs]:
            future.result()
    return jobs[0][1], jobs[1][1], cut


def test_the_perturbation_reaches_the_serve_week(two_builds) -> None:
    """The perturbed rows do reach the models: week T+1's features move (else the test below
    could not fail)."""
    original, perturbed, cut = two_builds
    with duckdb.connect(str(original), read_only=True) as a, duckdb.connect(str(perturbed), read_only=True) as b:
        for model in ["int_trainer_features_as_of", "int_trainer_feedback_as_of"]:
            query = f"select * from intermediate.{model} where target_week > ? order by all"
            assert frames_equal(a.execute(query, [cut]).df(), b.execute(query, [cut]).df()) is not None, model


@pytest.mark.parametrize(("table", "key", "outcomes"), AS_OF_MODELS, ids=[m[0].split(".")[1] for m in AS_OF_MODELS])
def test_no_feature_of_week_t_moves_when_week_t_rows_change(two_builds, table, key, outcomes) -> None:
    original, perturbed, cut = two_builds
    where = "where target_week <= ?" if key else ""
    order = ", ".join(key) if key else "all"
    query = f"select * exclude ({', '.join(outcomes)}) from {table}" if outcomes else f"select * from {table}"
    query = f"{query} {where} order by {order}"
    params = [cut] if key else []
    with duckdb.connect(str(original), read_only=True) as a, duckdb.connect(str(perturbed), read_only=True) as b:
        before, after = a.execute(query, params).df(), b.execute(query, params).df()
    assert len(before) > 0, f"{table}: no rows at or before the cut"
    difference = frames_equal(before.reset_index(drop=True), after.reset_index(drop=True))
    assert difference is None, f"{table} read rows dated at or after {cut.date()}: {difference}"
