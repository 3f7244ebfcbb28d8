"""The dbt seeds carry exactly the generator's vocabulary."""

from __future__ import annotations

import csv
from pathlib import Path

from recwarehouse.demo import catalog

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def read(name: str) -> list[dict[str, str]]:
    with open(SEEDS / f"{name}.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_vocabulary_matches_catalog() -> None:
    assert [r["goal"] for r in read("goals")] == catalog.GOALS
    assert {r["goal"]: r["speciality"] for r in read("goals")} == catalog.GOAL_SPECIALITY
    assert [r["workout_type"] for r in read("workout_types")] == catalog.WORKOUT_TYPES
    assert [r["age_group"] for r in read("age_groups")] == catalog.AGE_GROUPS
    assert [r["fitness_level"] for r in read("fitness_levels")] == catalog.FITNESS_LEVELS
    assert [r["event_type"] for r in read("event_types")] == catalog.EVENT_TYPES
    feedback_types = read("feedback_types")
    assert [r["feedback_type"] for r in feedback_types] == catalog.FEEDBACK_TYPES
    assert [r["feedback_type"] for r in feedback_types if r["is_complaint"] == "false"] == ["helpful"]
    synonyms = {(r["term"], r["speciality"]) for r in read("speciality_synonyms")}
    assert synonyms == {(t, s) for s, ts in catalog.SPECIALITY_SYNONYMS.items() for t in ts}
