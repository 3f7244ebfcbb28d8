"""What a trainer offers, as a set of terms: their specialities and the types of their workouts.
Two trainers are alike when these sets overlap (Jaccard); the re-ranker's diversity uses it."""

from __future__ import annotations

import pandas as pd


def trainer_sets(specialities: pd.DataFrame, workouts: pd.DataFrame) -> dict[str, set]:
    """{trainer_id: {"speciality:<slug>", ..., "type:<workout type>", ...}} for every trainer seen."""
    out: dict[str, set] = {}
    for t, s in zip(specialities["trainer_id"], specialities["speciality"], strict=True):
        out.setdefault(str(t), set()).add(f"speciality:{s}")
    for t, w in zip(workouts["trainer_id"], workouts["workout_type"], strict=True):
        out.setdefault(str(t), set()).add(f"type:{w}")
    return out


def warehouse_trainer_sets(con) -> dict[str, set]:
    """`trainer_sets` of a built DuckDB warehouse (a connection to it): for the benchmarks, which
    read a finished build from outside dbt."""
    return trainer_sets(
        con.sql("select trainer_id, speciality from staging.stg_platform__trainer_specialities").df(),
        con.sql("select trainer_id, workout_type from staging.stg_platform__workouts").df(),
    )
