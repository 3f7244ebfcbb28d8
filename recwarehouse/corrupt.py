"""Write a copy of a raw data folder with known bad rows added, and a manifest of them.

    python -m recwarehouse.corrupt --src data/test_clean --out data/test

Every bad row is *added* (no good row is changed), so after `dbt build` each staged table must
hold exactly the clean rows and each `*_rejected` table exactly the added ones, with the reason
named in ``_corruption.json``. The integration tests check both.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd

TABLES = ["users", "trainers", "workouts", "events", "sessions", "feedback"]


def corrupt(src: Path, out: Path) -> dict[str, list[dict[str, str]]]:
    frames = {t: pd.read_parquet(src / f"{t}.parquet") for t in TABLES}
    users, trainers, workouts = frames["users"], frames["trainers"], frames["workouts"]
    events, sessions, feedback = frames["events"], frames["sessions"], frames["feedback"]
    added: dict[str, list[tuple[dict, str]]] = {t: [] for t in TABLES}
    future = pd.Timestamp("2099-01-01")

    def bad(table: str, base: pd.Series, reason: str, **changes: object) -> None:
        row = base.to_dict()
        row.update(changes)
        added[table].append((row, reason))

    u0, t0, w0 = users.iloc[0], trainers.iloc[0], workouts.iloc[0]
    bad("users", u0, "null user_id", user_id=None)
    bad("users", u0, "duplicate user_id", signup_at=u0.signup_at + timedelta(days=1))
    bad("users", u0, "signup_at in the future", user_id="u_bad_future", signup_at=future)
    bad("users", u0, "unknown goal", user_id="u_bad_goal", goal="become_famous")
    bad(
        "users",
        u0,
        "unknown preferred_type",
        user_id="u_bad_type",
        preferred_types=["yoga", "polo"],
    )
    bad("trainers", t0, "null trainer_id", trainer_id=None)
    bad("trainers", t0, "duplicate trainer_id", joined_at=t0.joined_at + timedelta(days=1))
    bad("trainers", t0, "rating outside 0-5", trainer_id="t_bad_rating", rating=7.0)
    bad("workouts", w0, "unknown trainer_id", workout_id="w_bad_trainer", trainer_id="t_nobody")
    bad("workouts", w0, "unknown workout_type", workout_id="w_bad_type", workout_type="polo")
    bad("workouts", w0, "duration_min not positive", workout_id="w_bad_len", duration_min=0)

    next_event = int(events.event_id.max()) + 1
    e_imp = events[events.event_type == "impression"].iloc[0]
    e_view = events[events.event_type == "video_view"].iloc[0]
    late_user = users.sort_values("signup_at").iloc[-1]
    e_late = events[events.user_id == late_user.user_id].iloc[0]
    seen = set(zip(sessions.user_id, sessions.workout_id, strict=True))
    other_workout = next(
        w
        for w in workouts.itertuples()
        if (e_imp.user_id, w.workout_id) not in seen and w.trainer_id == e_imp.trainer_id
    )
    foreign_workout = workouts[workouts.trainer_id != e_imp.trainer_id].iloc[0]
    specs = [
        ("null user_id", e_imp, {"user_id": None}),
        ("unknown user_id", e_imp, {"user_id": "u_nobody"}),
        ("duplicate event_id", e_imp, {"event_at": e_imp.event_at + timedelta(seconds=1)}),
        ("unknown event_type", e_imp, {"event_type": "share"}),
        ("watch_fraction outside 0-1", e_view, {"watch_fraction": 1.5}),
        (
            "like without a session",
            e_imp,
            {"event_type": "like", "workout_id": other_workout.workout_id},
        ),
        ("event_at in the future", e_imp, {"event_at": future}),
        ("event_at before signup", e_late, {"event_at": late_user.signup_at - timedelta(days=1)}),
        (
            "workout_id belongs to another trainer",
            e_imp,
            {"workout_id": foreign_workout.workout_id},
        ),
    ]
    for reason, base, changes in specs:
        event_id = base.event_id if reason == "duplicate event_id" else next_event
        next_event += reason != "duplicate event_id"
        bad("events", base, reason, event_id=event_id, **changes)

    s0 = sessions.iloc[0]
    s_user = users[users.user_id == s0.user_id].iloc[0]
    next_session = int(sessions.session_id.max()) + 1
    bad(
        "sessions",
        s0,
        "completed_at before started_at",
        session_id=next_session,
        completed_at=s0.started_at - timedelta(minutes=5),
    )
    bad("sessions", s0, "unknown workout_id", session_id=next_session + 1, workout_id="w_nobody")
    bad(
        "sessions",
        s0,
        "started_at before signup",
        session_id=next_session + 2,
        started_at=s_user.signup_at - timedelta(days=2),
        completed_at=None,
    )
    f0 = feedback.iloc[0]
    next_feedback = int(feedback.feedback_id.max()) + 1
    bad("feedback", f0, "unknown session_id", feedback_id=next_feedback, session_id=10**12)
    bad("feedback", f0, "liked not 0 or 1", feedback_id=next_feedback + 1, liked=3)

    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, list[dict[str, str]]] = {}
    for table in TABLES:
        extra = pd.DataFrame([row for row, _ in added[table]], columns=frames[table].columns)
        combined = pd.concat([frames[table], extra.astype(frames[table].dtypes, errors="ignore")], ignore_index=True)
        combined.to_parquet(out / f"{table}.parquet", index=False)
        manifest[table] = [{"reason": reason} for _, reason in added[table]]
    if (src / "truth").exists():
        shutil.copytree(src / "truth", out / "truth", dirs_exist_ok=True)
    clean_rows = {t: len(frames[t]) for t in TABLES}
    (out / "_corruption.json").write_text(json.dumps({"clean_rows": clean_rows, "added": manifest}, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    manifest = corrupt(a.src, a.out)
    print(f"wrote {a.out}: " + ", ".join(f"{t} +{len(rows)} bad" for t, rows in manifest.items()))


if __name__ == "__main__":
    main()
