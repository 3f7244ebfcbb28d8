"""Write a copy of a raw data folder with known bad rows added, and a manifest of them.

    python -m recwarehouse.demo.corrupt --src data/test_clean --out data/test

Every bad row is *added* (no good row is changed), so after `dbt build` each staged table must
hold exactly the clean rows and each `*_rejected` table exactly the added ones, with the reason
named in ``_corruption.json``. The integration tests check both. A few valid rows with awkward
free text (quotes, non-Latin specialities, emoji, 20,000 characters) are added too and counted
with the clean rows (``clean_rows``).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from recwarehouse.demo.catalog import RAW_TABLES as TABLES


def corrupt(src: Path, out: Path) -> dict[str, list[dict[str, str]]]:
    frames = {t: pd.read_parquet(src / f"{t}.parquet") for t in TABLES}
    users, trainers, workouts = frames["users"], frames["trainers"], frames["workouts"]
    events, sessions, feedback = frames["events"], frames["sessions"], frames["feedback"]
    bookings, said = frames["bookings"], frames["recommendation_feedback"]
    added: dict[str, list[tuple[dict, str]]] = {t: [] for t in TABLES}
    future = pd.Timestamp("2099-01-01")

    nan_set: dict[str, list[set[str]]] = {t: [] for t in TABLES}  # columns set to NaN on purpose, per added row

    def bad(table: str, base: pd.Series, reason: str, **changes: object) -> None:
        row = base.to_dict()
        row.update(changes)
        added[table].append((row, reason))
        nan_set[table].append({k for k, v in changes.items() if isinstance(v, float) and math.isnan(v)})

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
    bad("trainers", t0, "blank trainer_id", trainer_id="   ")
    bad("trainers", t0, "price_per_session not a finite number", trainer_id="t_bad_nan", price_per_session=float("nan"))
    bad("trainers", t0, "price_per_session not a finite number", trainer_id="t_bad_inf", price_per_session=float("inf"))
    bad("trainers", t0, "no specialities", trainer_id="t_bad_tabs", specialities="\t \t")
    bad("users", u0, "blank user_id", user_id="   ")
    bad("workouts", w0, "blank workout_id", workout_id="\t")
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
        ("watch_fraction outside 0-1; watch_fraction not a finite number", e_view, {"watch_fraction": float("nan")}),
        ("watch_fraction on an event that is not a video_view", e_imp, {"watch_fraction": 0.5}),
        ("blank user_id; unknown user_id", e_imp, {"user_id": "   "}),
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

    b0 = bookings.iloc[0]
    next_booking = int(bookings.booking_id.max()) + 1
    bad("bookings", b0, "duplicate booking_id", price_paid=b0.price_paid + 1)
    bad("bookings", b0, "unknown trainer_id", booking_id=next_booking, trainer_id="t_nobody")
    bad("bookings", b0, "price_paid not finite", booking_id=next_booking + 1, price_paid=float("nan"))
    bad("bookings", b0, "price_paid not above 0", booking_id=next_booking + 2, price_paid=0.0)
    bad("bookings", b0, "status not requested, accepted or cancelled", booking_id=next_booking + 3, status="maybe")

    r0 = said.iloc[0]
    bad("recommendation_feedback", r0, "unknown trainer_id", trainer_id="t_nobody")
    bad("recommendation_feedback", r0, "feedback_type not in the feedback_types seed", feedback_type="meh")
    bad("recommendation_feedback", r0, "given_at before the served week", given_at=r0.given_at - timedelta(days=8))
    bad("recommendation_feedback", r0, "given_at in the future", given_at=future)
    bad("recommendation_feedback", r0, "duplicate feedback (same user, trainer, week, type and time)")

    # valid rows with free text that once broke generated SQL: quotes, non-Latin scripts, emoji
    # and a very long speciality (they must be staged, and get safe, distinct flag columns)
    edge_specialities = ["Women's health, yoga", "瑜伽", "🧘", "x" * 20_000]
    valid_added = {t: [] for t in TABLES}
    for i, text in enumerate(edge_specialities):
        row = t0.to_dict()
        row.update(trainer_id=f"t_edge_{i}", name=f"Edge case {i}", specialities=text)
        valid_added["trainers"].append(row)
    # a status as people type it (case, spaces): valid, folded to `accepted`
    valid_added["bookings"].append({**b0.to_dict(), "booking_id": next_booking + 4, "status": " Accepted "})
    # a feedback type as people type it, on a day that is not the week's Monday: valid, folded
    valid_added["recommendation_feedback"].append(
        {
            **r0.to_dict(),
            "feedback_type": " Too_Expensive ",
            "served_week": r0.served_week + timedelta(days=2),
            "given_at": r0.given_at + timedelta(days=2),
        }
    )

    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, list[dict[str, str]]] = {}
    for table in TABLES:
        rows = valid_added[table] + [row for row, _ in added[table]]
        extra = pd.DataFrame(rows, columns=frames[table].columns)
        combined = pd.concat([frames[table], extra.astype(frames[table].dtypes, errors="ignore")], ignore_index=True)
        nan_columns = [set() for _ in valid_added[table]] + nan_set[table]
        _write_keeping_nan(combined, nan_columns, len(frames[table]), out / f"{table}.parquet")
        manifest[table] = [{"reason": reason} for _, reason in added[table]]
    if (src / "truth").exists():
        shutil.copytree(src / "truth", out / "truth", dirs_exist_ok=True)
    clean_rows = {t: len(frames[t]) + len(valid_added[t]) for t in TABLES}
    (out / "_corruption.json").write_text(json.dumps({"clean_rows": clean_rows, "added": manifest}, indent=2) + "\n")
    return manifest


def _write_keeping_nan(frame: pd.DataFrame, nan_columns: list[set[str]], first_added: int, path: Path) -> None:
    """Write Parquet with the NaN values set on purpose (`nan_columns`, one set per added row) as
    NaN: pandas writes every NaN of a float column as null (which is how it reads nulls back), and
    a NaN price must stay a NaN."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name in table.column_names:
        nan_rows = [first_added + i for i, columns in enumerate(nan_columns) if name in columns]
        if nan_rows:
            values = table.column(name).to_pylist()
            for i in nan_rows:
                values[i] = float("nan")
            column = pa.array(values, type=table.schema.field(name).type)
            table = table.set_column(table.schema.get_field_index(name), name, column)
    pq.write_table(table, path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    manifest = corrupt(a.src, a.out)
    print(f"wrote {a.out}: " + ", ".join(f"{t} +{len(rows)} bad" for t, rows in manifest.items()))


if __name__ == "__main__":
    main()
