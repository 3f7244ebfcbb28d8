"""Does the warehouse find what people's feedback says? Checked against the generator's hidden causes.

    python bench/feedback_review.py                 # the four worlds of bench/ranking_vs_oracle.py
    python bench/feedback_review.py --worlds demo

Per world: generate it (bench/out/feedback/<world>/data), build the SQL that reads the
recommendation feedback (`+int_trainer_feedback_as_of +fct_goal_speciality_feedback`, no Python
model), and compare with the generator's truth (read here only, never by dbt):
  * the goal map's review (`fct_goal_speciality_feedback`) against the (goal, speciality) pairs
    people accept beyond the goal map (`truth/speciality_acceptance.parquet`): how many of them it
    names as candidates, and which pairs it names wrongly;
  * the serve week's feedback reasons (`int_trainer_feedback_as_of.feedback_reason`): of the
    "people said too far away" reasons, how many are about trainers who work in person (the hidden
    cause, `truth/trainer_feedback_truth.parquet`), and how many in-person trainers get one; of
    the "too expensive" ones, how many are about trainers listed above the median price
    (`truth/price_truth.parquet`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ranking_vs_oracle import WORLDS, World  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "feedback"
DBT = str(Path(sys.executable).with_name("dbt"))
SELECTION = "+int_trainer_feedback_as_of +fct_goal_speciality_feedback"


def build(world: World) -> Path:
    root = OUT / world.name
    shutil.rmtree(root, ignore_errors=True)
    data = root / "data"
    subprocess.run(
        [sys.executable, "-m", "recwarehouse.demo.generate", "--users", str(world.users),
         "--trainers", str(world.trainers), "--workouts", str(world.workouts), "--weeks", str(world.weeks),
         "--seed", str(world.seed), "--out", str(data)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(root / "warehouse.duckdb")}
    result = subprocess.run(
        [DBT, "build", "--select", *SELECTION.split(), "--exclude-resource-type", "test",
         "--exclude-resource-type", "unit_test", "--vars", f"{{raw_data_path: '{data}'}}",
         "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"{world.name}: dbt build failed:\n{result.stdout[-3000:]}")
    return root


def review(world: World, root: Path) -> dict:
    truth = root / "data" / "truth"
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    accepted = {
        (goal, speciality)
        for goal, speciality in duckdb.sql(
            f"select goal, speciality from read_parquet('{truth}/speciality_acceptance.parquet') where is_accepted"
        ).fetchall()
    }
    matched = set(con.sql("select goal, speciality from reference.goals").fetchall())
    nearby = accepted - matched
    verdicts = con.sql("select goal, speciality, review from marts.fct_goal_speciality_feedback").fetchall()
    named = {(g, s) for g, s, review in verdicts if review.startswith("not in the goal map")}
    rejected = {(g, s) for g, s, review in verdicts if review.startswith("in the goal map")}
    too_little = {(g, s) for g, s, review in verdicts if review.startswith("too little")}
    reasons = con.sql(
        f"""
        select f.top_recent_complaint, t.works_in_person,
               p.list_price > (select median(list_price) from read_parquet('{truth}/price_truth.parquet'))
        from intermediate.int_trainer_feedback_as_of as f
        inner join read_parquet('{truth}/trainer_feedback_truth.parquet') as t using (trainer_id)
        inner join read_parquet('{truth}/price_truth.parquet') as p using (trainer_id)
        where f.feedback_reason is not null
          and f.target_week = (select max(target_week) from intermediate.int_trainer_feedback_as_of)
        """
    ).fetchall()
    (in_person,) = duckdb.sql(
        f"select count(*) filter (where works_in_person) from read_parquet('{truth}/trainer_feedback_truth.parquet')"
    ).fetchone()
    far = [works for kind, works, _ in reasons if kind == "too_far"]
    dear = [above for kind, _, above in reasons if kind == "too_expensive"]
    (feedback,) = con.sql("select count(*) from staging.stg_platform__recommendation_feedback").fetchone()
    (trainers,) = con.sql("select count(*) from staging.stg_platform__trainers").fetchone()
    return {
        "world": world.name,
        "feedback": feedback,
        "candidates found": f"{len(named & nearby)} of {len(nearby)}",
        "named wrongly": ", ".join(f"{g}/{s}" for g, s in sorted(named - nearby)) or "none",
        "matched pairs rejected": ", ".join(f"{g}/{s}" for g, s in sorted(rejected)) or "none",
        "pairs with too little feedback": f"{len(too_little)} of {len(verdicts)}",
        "trainers with a reason": f"{len(reasons)} of {trainers}",
        "too-far reasons on in-person trainers": f"{sum(far)} of {len(far)}",
        "in-person trainers with a too-far reason": f"{sum(far)} of {in_person}",
        "too-expensive reasons on trainers listed above the median price": f"{sum(dear)} of {len(dear)}",
        "other reasons": ", ".join(
            f"{kind} {n}"
            for kind, n in sorted({k: sum(1 for c, *_ in reasons if c == k) for k, *_ in reasons}.items())
            if kind not in ("too_far", "too_expensive")
        )
        or "none",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worlds", nargs="*", default=[w.name for w in WORLDS])
    ap.add_argument("--no-build", action="store_true", help="report on the worlds already built")
    a = ap.parse_args()
    rows = []
    for world in [w for w in WORLDS if w.name in a.worlds]:
        root = OUT / world.name if a.no_build else build(world)
        rows.append(review(world, root))
        print(" | ".join(f"{k}: {v}" for k, v in rows[-1].items()), flush=True)
    print()
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("| " + " | ".join("---" for _ in keys) + " |")
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    from recorded import recorded

    recorded("feedback_review", main)()
