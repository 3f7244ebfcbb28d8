"""What people say about the trainers they were recommended, and the hidden causes behind it.

The platform's served lists are its impressions: every (user, trainer, week) shown is a served
recommendation. A few of them get feedback - one of ``catalog.FEEDBACK_TYPES`` with an optional
comment - drawn from causes the warehouse only partly sees:

* ``helpful``: the user clicked the trainer that week;
* ``too_expensive``: the trainer's price that week is above what the user's hidden budget tier
  accepts (the tiers of ``bookings.py``), more often the further above;
* ``too_far``: the trainer works in person in another city (both hidden);
* ``wrong_speciality``: none of the trainer's specialities serves the user's goal. People with a
  goal also accept a few nearby specialities the goal map does not list (``ACCEPTED_NEARBY``):
  the warehouse's (goal, speciality) review should find those;
* ``not_relevant``: little of the trainer's catalogue is in the user's preferred workout types;
* ``other``: a small rate of anything else.

``truth/speciality_acceptance.parquet`` lists which (goal, speciality) pairs people accept and
``truth/trainer_feedback_truth.parquet`` which trainers work in person. The
feedback uses its own random stream, so adding it leaves every other table exactly as it was.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from recwarehouse.demo import bookings as booking_model
from recwarehouse.demo import catalog

STREAM = 0xFEED  # the feedback's random stream: default_rng([seed, STREAM])
HELPFUL = 0.06  # P(helpful | the user clicked the trainer that week)
TOO_EXPENSIVE = 0.08  # x (week price / the user's budget reference - 1) when above it, capped at 1
TOO_FAR = 0.06  # P(too_far | the trainer works in person in another city)
WRONG_SPECIALITY = 0.04  # P(wrong_speciality | no speciality of the trainer serves the goal)
NOT_RELEVANT = 0.02  # x (1 - share of the trainer's workouts in the user's preferred types)
OTHER = 0.003
IN_PERSON_SHARE = 0.3  # share of trainers who work in person
CITIES = 4
MAX_DELAY_DAYS = 3  # feedback comes up to this long after the first impression of the week
US_PER_DAY = 86_400 * 1_000_000

# goal -> specialities people with that goal accept besides the goal map's (catalog.GOAL_SPECIALITY)
ACCEPTED_NEARBY: dict[str, list[str]] = {
    "rehab": ["posture"],
    "flexibility": ["posture"],
    "weight_loss": ["endurance"],
    "strength": ["sports_performance"],
}

COMMENTS: dict[str, list[str]] = {
    "helpful": ["great match", "exactly what I needed", "booked a session"],
    "not_relevant": ["not my kind of workout", "not for me"],
    "too_expensive": ["too pricey for me", "out of my budget", "cheaper options nearby"],
    "too_far": ["only trains in person, too far", "wrong city"],
    "wrong_speciality": ["does not work on my goal", "not the right speciality"],
    "other": ["app showed them twice", "no reason"],
}
COMMENT_SHARE = 0.6  # share of feedback with a comment


def accepted_specialities() -> np.ndarray:
    """goals x specialities: does a person with the goal accept a trainer of the speciality?"""
    spec_index = {s: i for i, s in enumerate(catalog.SPECIALITIES)}
    accepts = np.zeros((len(catalog.GOALS), len(catalog.SPECIALITIES)), dtype=bool)
    for g, goal in enumerate(catalog.GOALS):
        for spec in [catalog.GOAL_SPECIALITY[goal], *ACCEPTED_NEARBY.get(goal, [])]:
            accepts[g, spec_index[spec]] = True
    return accepts


def cause_probabilities(p, hidden: dict, u: np.ndarray, t: np.ndarray, w: int, clicked: np.ndarray) -> np.ndarray:
    """P(each feedback type, in ``catalog.FEEDBACK_TYPES`` order) for served (user, trainer) pairs
    of week ``w``: pairs x types. ``hidden`` holds what the warehouse never sees."""
    over_budget = hidden["week_price"][w, t] / booking_model.BUDGET_REFERENCE[hidden["budget_tier"][u]] - 1
    serves_goal = (p.t_spec[t] * hidden["accepts"][p.u_goal[u]]).sum(axis=1) > 0
    type_share = np.einsum("ij,ij->i", p.u_pref[u], p.t_type_share[t])
    far = hidden["in_person"][t] & (hidden["user_city"][u] != hidden["trainer_city"][t])
    return np.column_stack(
        [
            HELPFUL * clicked,
            NOT_RELEVANT * (1 - type_share),
            TOO_EXPENSIVE * np.clip(over_budget, 0, 1),
            TOO_FAR * far,
            WRONG_SPECIALITY * ~serves_goal,
            np.full(u.size, OTHER),
        ]
    )


def generate_feedback(p, imps: list[tuple], clicks: list[tuple], booked: dict, end_us: int, seed: int) -> dict:
    """Feedback rows (indices into users / trainers) on the served (impressed) pairs of each week."""
    rng = np.random.default_rng([seed, STREAM])
    cfg, T = p.cfg, p.cfg.trainers
    hidden = {
        "accepts": accepted_specialities(),
        "in_person": rng.random(T) < IN_PERSON_SHARE,
        "trainer_city": rng.integers(0, CITIES, T),
        "user_city": rng.integers(0, CITIES, cfg.users),
        "budget_tier": booked["budget_tier"],
        "week_price": booked["week_price"],
    }
    users, trainers, weeks, kinds, given = [], [], [], [], []
    for w, ((iu, it, _ij, imp_at), (cu, ct, _cj, _cat)) in enumerate(zip(imps, clicks, strict=True)):
        pair = iu.astype(np.int64) * T + it
        order = np.argsort(pair, kind="stable")
        starts = np.flatnonzero(np.r_[True, pair[order][1:] != pair[order][:-1]])
        keys = pair[order][starts]  # each served pair once, and when it was first shown
        shown_at = np.minimum.reduceat(imp_at[order], starts)
        u, t = keys // T, keys % T
        clicked = np.isin(keys, cu.astype(np.int64) * T + ct)
        probs = cause_probabilities(p, hidden, u, t, w, clicked)
        cumulative = np.cumsum(probs, axis=1)
        draw = rng.random(keys.size) * np.maximum(cumulative[:, -1], 1.0)
        kind = (draw[:, None] >= cumulative).sum(axis=1)  # == number of types when nothing is said
        at = shown_at + (rng.random(keys.size) * MAX_DELAY_DAYS * US_PER_DAY).astype(np.int64)
        said = (kind < probs.shape[1]) & (at < end_us)
        users.append(u[said]), trainers.append(t[said]), weeks.append(np.full(said.sum(), w))
        kinds.append(kind[said]), given.append(at[said])
    u, t, w = np.concatenate(users), np.concatenate(trainers), np.concatenate(weeks)
    kind, at = np.concatenate(kinds), np.concatenate(given)
    order = np.lexsort((t, u, at))
    options = [COMMENTS[k] for k in catalog.FEEDBACK_TYPES]
    pick = rng.random(order.size)
    with_comment = rng.random(order.size) < COMMENT_SHARE
    comment = [
        options[k][int(r * len(options[k]))] if c else None
        for k, r, c in zip(kind[order], pick, with_comment, strict=True)
    ]
    return {
        "user": u[order],
        "trainer": t[order],
        "week": w[order],
        "kind": kind[order],
        "given_at": at[order],
        "comment": comment,
        "in_person": hidden["in_person"],
    }


def feedback_table(
    f: dict, user_ids: np.ndarray, trainer_ids: np.ndarray, start_us: int, us_per_week: int, ts
) -> pa.Table:
    served_day = (start_us + f["week"] * us_per_week) // US_PER_DAY
    return pa.table(
        {
            "user_id": pa.array(user_ids).take(pa.array(f["user"])),
            "trainer_id": pa.array(trainer_ids).take(pa.array(f["trainer"])),
            "served_week": pa.array(served_day.astype("datetime64[D]"), type=pa.date32()),
            "feedback_type": pa.array(catalog.FEEDBACK_TYPES).take(pa.array(f["kind"])),
            "comment": pa.array(f["comment"], type=pa.string()),
            "given_at": ts(f["given_at"]),
        }
    )


def trainer_truth_table(f: dict, trainer_ids: np.ndarray) -> pa.Table:
    """Per trainer, the hidden cause of too_far complaints: do they work in person?"""
    return pa.table({"trainer_id": trainer_ids, "works_in_person": f["in_person"]})


def truth_table() -> pa.Table:
    accepts = accepted_specialities()
    goals, specs = np.nonzero(np.ones_like(accepts))
    return pa.table(
        {
            "goal": [catalog.GOALS[g] for g in goals],
            "speciality": [catalog.SPECIALITIES[s] for s in specs],
            "is_accepted": accepts[goals, specs],
        }
    )
