"""Deterministic generator of a synthetic fitness platform's raw logs.

    python -m recwarehouse.demo.generate --users 2000 --trainers 80 --workouts 600 --weeks 8 \
        --seed 42 --out data/demo

Writes one Parquet file per raw table (``catalog.RAW_TABLES``: users, trainers, workouts, events,
sessions, feedback, bookings, recommendation_feedback) and, in ``truth/``, the true engagement
probability of every (user, trainer, week), each trainer's true price acceptance (``bookings.py``)
and the (goal, speciality) pairs people accept (``recommendation_feedback.py``) — read by
benchmarks only, never by dbt.

Engagement follows hidden structure that a good ranker can learn from the logs:

* goal <-> speciality match, trainer quality (seen noisily through ``rating`` and like rates),
  level match, share of a trainer's workouts in the user's preferred types;
* a per-user click bias and a latent user x trainer affinity (learnable only from history);
* habit (engaging last week raises this week's odds) and fatigue (novelty wears off after
  several engaged weeks), trainer trends and a boost for newly joined trainers;
* popularity feedback: the platform's exposure follows last week's clicks.

Exposure is a Poisson process per user and week over a goal-biased, popularity-weighted mix of
trainers; each impression is clicked with probability p(u, t, w). So the number of engaged
impressions of (u, t) in week w is Poisson(m_u * pi_ut * p_ut), and the probability that the
(u, t, w) label is 1 — the user clicked, viewed or liked the trainer that week — is exactly
``1 - exp(-m_u * pi_ut * p_ut)``. That is the ``p_label`` written to ``truth/``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from recwarehouse.demo import bookings as booking_model
from recwarehouse.demo import catalog
from recwarehouse.demo import recommendation_feedback as rec_feedback_model

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
US_PER_WEEK = 7 * US_PER_DAY
LATENT_DIM = 4
MAX_TRUTH_ROWS = 50_000_000

FIRST_NAMES = [
    "Ana", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Nico", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vik",
    "Wen", "Yara", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
    "Khan", "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Weber",
]  # fmt: skip
TITLE_WORDS = ["Morning", "Express", "Deep", "Total", "Gentle", "Power", "Daily", "Weekend"]
DURATIONS = np.array([10, 15, 20, 30, 45, 60])
SEPARATORS = [", ", ",", "; ", " / ", " ,  ", ";"]


@dataclass(frozen=True)
class GeneratorConfig:
    users: int = 2000
    trainers: int = 80
    workouts: int = 600
    weeks: int = 8
    seed: int = 42
    impressions_per_user_week: float = 20.0
    start: str = "2026-01-05"  # a Monday: week 1 starts here
    truth: bool = True

    def validate(self) -> None:
        if min(self.users, self.trainers, self.workouts, self.weeks) < 1:
            raise ValueError("users, trainers, workouts and weeks must all be >= 1")
        if self.workouts < self.trainers:
            raise ValueError("need at least one workout per trainer (workouts >= trainers)")
        if date.fromisoformat(self.start).isoweekday() != 1:
            raise ValueError(f"start must be a Monday, got {self.start}")
        if self.impressions_per_user_week <= 0:
            raise ValueError("impressions_per_user_week must be > 0")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _top_k_without_replacement(rng: np.random.Generator, weights: np.ndarray, k: np.ndarray) -> list[list[int]]:
    """Per row, sample k[row] distinct columns with probability proportional to weights (Gumbel)."""
    keys = np.log(weights) + rng.gumbel(size=weights.shape)
    order = np.argsort(-keys, axis=1, kind="stable")
    return [row[:kk].tolist() for row, kk in zip(order, k, strict=True)]


class _Platform:
    """Static entities and their hidden attributes."""

    def __init__(self, cfg: GeneratorConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        # naive timestamps are UTC: microseconds since the epoch, no local-time conversion
        self.start_us = (date.fromisoformat(cfg.start) - date(1970, 1, 1)).days * US_PER_DAY
        self._make_users(rng)
        self._make_trainers(rng)
        self._make_workouts(rng)

    # ----- users -----
    def _make_users(self, rng: np.random.Generator) -> None:
        cfg, U = self.cfg, self.cfg.users
        window_days = cfg.weeks * 7
        before = rng.random(U) < 0.7
        offset_days = np.where(before, -rng.uniform(1, 365, U), rng.uniform(0, max(window_days - 1, 1), U))
        self.u_signup = self.start_us + (offset_days * US_PER_DAY).astype(np.int64)
        self.u_age = rng.choice(4, U, p=[0.25, 0.35, 0.28, 0.12])
        self.u_level = rng.choice(3, U, p=[0.45, 0.37, 0.18])
        self.u_goal = rng.choice(len(catalog.GOALS), U, p=[0.28, 0.12, 0.2, 0.14, 0.14, 0.12])
        spec_index = {s: i for i, s in enumerate(catalog.SPECIALITIES)}
        self.goal_spec = np.array([spec_index[catalog.GOAL_SPECIALITY[g]] for g in catalog.GOALS], dtype=np.int64)
        # preferred types lean towards the types that serve the user's goal
        type_index = {t: i for i, t in enumerate(catalog.WORKOUT_TYPES)}
        goal_types = np.ones((len(catalog.GOALS), len(catalog.WORKOUT_TYPES)))
        for g, goal in enumerate(catalog.GOALS):
            for t in catalog.SPECIALITY_TYPES[catalog.GOAL_SPECIALITY[goal]]:
                goal_types[g, type_index[t]] = 5.0
        n_pref = rng.choice([1, 2, 3], U, p=[0.3, 0.45, 0.25])
        self.u_pref_lists = _top_k_without_replacement(rng, goal_types[self.u_goal], n_pref)
        self.u_pref = np.zeros((U, len(catalog.WORKOUT_TYPES)), dtype=np.float32)
        for u, prefs in enumerate(self.u_pref_lists):
            self.u_pref[u, prefs] = 1.0
        self.u_activity = rng.lognormal(-0.18, 0.6, U)
        self.u_bias = rng.normal(0, 0.4, U)
        self.u_latent = rng.normal(0, 1, (U, LATENT_DIM))

    # ----- trainers -----
    def _make_trainers(self, rng: np.random.Generator) -> None:
        cfg, T = self.cfg, self.cfg.trainers
        S = len(catalog.SPECIALITIES)
        spec_weights = np.array([3, 2, 3, 2, 2, 2, 1, 1], dtype=float)
        n_spec = rng.choice([1, 2, 3], T, p=[0.35, 0.45, 0.2])
        spec_lists = _top_k_without_replacement(rng, np.tile(spec_weights, (T, 1)), n_spec)
        self.t_spec = np.zeros((T, S), dtype=np.float32)
        for t, specs in enumerate(spec_lists):
            self.t_spec[t, specs] = 1.0
        self.t_spec_lists = spec_lists
        self.t_spec_text = [self._render_specialities(rng, specs) for specs in spec_lists]
        self.t_quality = rng.normal(0, 1, T)
        self.t_rating = np.clip(np.round(3.9 + 0.35 * self.t_quality + rng.normal(0, 0.35, T), 1), 1, 5)
        self.t_years = 1 + rng.poisson(6, T) + (self.t_quality > 0.5).astype(int)
        self.t_price = np.round(np.maximum(15, 25 + 4 * self.t_years + rng.normal(0, 8, T)), 2)
        late = rng.random(T) < 0.12
        late_days = rng.uniform(7, max(8, (cfg.weeks - 2) * 7), T)
        early_days = -rng.uniform(60, 1500, T)
        self.t_joined = self.start_us + (np.where(late, late_days, early_days) * US_PER_DAY).astype(np.int64)
        self.t_trend = rng.normal(0, 0.08, T)
        self.t_latent = rng.normal(0, 1, (T, LATENT_DIM))
        self.t_level_pref = rng.choice(3, T, p=[0.4, 0.4, 0.2])
        first = rng.integers(0, len(FIRST_NAMES), T)
        last = rng.integers(0, len(LAST_NAMES), T)
        self.t_name = [f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" for a, b in zip(first, last, strict=True)]

    @staticmethod
    def _render_specialities(rng: np.random.Generator, specs: list[int]) -> str:
        """Free text as people type it: synonyms, mixed case, hyphens, stray spaces."""
        parts = []
        for s in specs:
            synonyms = catalog.SPECIALITY_SYNONYMS[catalog.SPECIALITIES[s]]
            term = synonyms[rng.integers(0, len(synonyms))]
            style = rng.integers(0, 5)
            if style == 1:
                term = term.title()
            elif style == 2:
                term = term.upper()
            elif style == 3:
                term = term.replace(" ", "-").capitalize()
            if rng.random() < 0.25:
                term = " " * int(rng.integers(1, 3)) + term + " "
            parts.append(term)
        return SEPARATORS[rng.integers(0, len(SEPARATORS))].join(parts)

    # ----- workouts -----
    def _make_workouts(self, rng: np.random.Generator) -> None:
        cfg, T, W = self.cfg, self.cfg.trainers, self.cfg.workouts
        n_types = len(catalog.WORKOUT_TYPES)
        type_index = {t: i for i, t in enumerate(catalog.WORKOUT_TYPES)}
        trainer = np.concatenate([np.arange(T), rng.integers(0, T, W - T)])
        wtype = np.empty(W, dtype=np.int64)
        for i, t in enumerate(trainer):
            if rng.random() < 0.15:
                wtype[i] = rng.integers(0, n_types)
            else:
                spec = catalog.SPECIALITIES[self.t_spec_lists[t][rng.integers(0, len(self.t_spec_lists[t]))]]
                options = catalog.SPECIALITY_TYPES[spec]
                wtype[i] = type_index[options[rng.integers(0, len(options))]]
        level = np.where(rng.random(W) < 0.7, self.t_level_pref[trainer], rng.integers(0, 3, W))
        duration = DURATIONS[rng.integers(0, len(DURATIONS), W)]
        # publication: a trainer's first workout lands a day after joining; the rest spread out,
        # about a fifth of them inside the data window (fresh content).
        window_end = self.start_us + cfg.weeks * US_PER_WEEK
        joined = self.t_joined[trainer]
        is_first = np.zeros(W, dtype=bool)
        is_first[:T] = True
        lo = joined + US_PER_DAY
        hi = np.where(rng.random(W) < 0.2, window_end - US_PER_DAY, np.maximum(self.start_us, lo + 1))
        hi = np.maximum(hi, lo + 1)
        published = np.where(is_first, lo, lo + (rng.random(W) * (hi - lo)).astype(np.int64))
        order = np.lexsort((published, trainer))
        self.w_trainer = trainer[order]
        self.w_type = wtype[order]
        self.w_level = level[order]
        self.w_duration = duration[order]
        self.w_published = published[order]
        self.w_tags: list[list[str]] = []
        self.w_title: list[str] = []
        for i in range(W):
            tname = catalog.WORKOUT_TYPES[self.w_type[i]]
            pool = catalog.TYPE_TAGS[tname]
            k = int(rng.integers(2, 5))
            picks = sorted(rng.choice(len(pool), k, replace=False).tolist())
            self.w_tags.append([tname] + [pool[p] for p in picks] + [catalog.FITNESS_LEVELS[self.w_level[i]].lower()])
            word = TITLE_WORDS[rng.integers(0, len(TITLE_WORDS))]
            self.w_title.append(f"{word} {tname.title()} {self.w_duration[i]}")
        counts = np.bincount(self.w_trainer, minlength=T)
        self.t_w_offset = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.t_w_count = counts
        # trainer-level summaries of their catalogue
        self.t_type_share = np.zeros((T, n_types), dtype=np.float32)
        np.add.at(self.t_type_share, (self.w_trainer, self.w_type), 1.0)
        self.t_type_share /= counts[:, None]
        level_counts = np.zeros((T, 3))
        np.add.at(level_counts, (self.w_trainer, self.w_level), 1.0)
        self.t_main_level = level_counts.argmax(axis=1)
        # a trainer is shown from the first week that starts after their first workout is out
        self.t_first_published = self.w_published[self.t_w_offset]

    # ----- engagement model -----
    def logit(
        self,
        u: np.ndarray,
        t: np.ndarray,
        week: int,
        habit: np.ndarray,
        fatigue: np.ndarray,
        pop_z: np.ndarray,
    ) -> np.ndarray:
        goal_match = self.t_spec[t, self.goal_spec[self.u_goal[u]]]
        type_share = np.einsum("ij,ij->i", self.u_pref[u], self.t_type_share[t])
        level_gap = np.abs(self.u_level[u] - self.t_main_level[t])
        affinity = 0.5 * np.einsum("ij,ij->i", self.u_latent[u], self.t_latent[t])
        weeks_since_join = (self.start_us + week * US_PER_WEEK - self.t_joined[t]) / US_PER_WEEK
        novelty = np.where(weeks_since_join >= 0, np.exp(-np.maximum(weeks_since_join, 0) / 1.5), 0)
        return (
            -3.4
            + 1.5 * goal_match
            + 0.55 * self.t_quality[t]
            - 0.45 * level_gap
            + 1.1 * type_share
            + self.u_bias[u]
            + affinity
            + self.t_trend[t] * (week - self.cfg.weeks / 2)
            + 0.9 * novelty
            + 1.2 * habit
            - 0.2 * np.minimum(fatigue, 4)
            + 0.25 * pop_z[t]
        )


def _pair_state_lookup(
    keys: np.ndarray, last_week: np.ndarray, n_weeks: np.ndarray, query: np.ndarray, week: int
) -> tuple[np.ndarray, np.ndarray]:
    """habit (engaged last week) and fatigue (engaged weeks so far) for each query pair key."""
    if keys.size == 0:
        return np.zeros(query.size), np.zeros(query.size)
    pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
    found = keys[pos] == query
    habit = (found & (last_week[pos] == week - 1)).astype(float)
    fatigue = np.where(found, n_weeks[pos], 0).astype(float)
    return habit, fatigue


def generate(cfg: GeneratorConfig, out: Path) -> dict[str, int]:
    """Generate every raw table into ``out``; returns row counts per table."""
    cfg.validate()
    rng = np.random.default_rng(cfg.seed)
    p = _Platform(cfg, rng)
    U, T = cfg.users, cfg.trainers
    n_goals = len(catalog.GOALS)
    goal_matched = p.t_spec[:, p.goal_spec].T  # goals x trainers
    write_truth = cfg.truth and U * T * cfg.weeks <= MAX_TRUTH_ROWS

    state_keys = np.empty(0, dtype=np.int64)
    state_last = np.empty(0, dtype=np.int64)
    state_n = np.empty(0, dtype=np.int64)
    prev_clicks = np.exp(0.5 * p.t_quality)  # week-0 exposure prior: better trainers shown more

    imps, clicks, views, sessions, feedback, truth = [], [], [], [], [], []
    for w in range(cfg.weeks):
        week_start = p.start_us + w * US_PER_WEEK
        week_end = week_start + US_PER_WEEK
        active_t = p.t_first_published < week_start
        log_pop = np.log1p(prev_clicks)
        pop_z = (log_pop - log_pop[active_t].mean()) / (log_pop[active_t].std() + 1e-9)
        pop_share = np.where(active_t, prev_clicks + 1.0, 0.0)
        pop_share /= pop_share.sum()
        uniform = active_t / active_t.sum()
        pi = np.empty((n_goals, T))
        for g in range(n_goals):
            gm = goal_matched[g] * active_t
            gm_share = gm / gm.sum() if gm.sum() > 0 else uniform
            pi[g] = 0.45 * gm_share + 0.20 * pop_share + 0.35 * uniform
            pi[g] /= pi[g].sum()
        # expected impressions of each user this week (0 before signup, pro rata in signup week)
        frac = np.clip((week_end - np.maximum(p.u_signup, week_start)) / US_PER_WEEK, 0, 1)
        season = 1.0 + 0.08 * np.sin(2 * np.pi * w / 6)
        m = cfg.impressions_per_user_week * p.u_activity * frac * season
        n_imp = rng.poisson(m)

        u_parts, t_parts = [], []
        for g in range(n_goals):
            members = np.flatnonzero((p.u_goal == g) & (n_imp > 0))
            if members.size == 0:
                continue
            reps = np.repeat(members, n_imp[members])
            u_parts.append(reps)
            t_parts.append(rng.choice(T, size=reps.size, p=pi[g]))
        u = np.concatenate(u_parts) if u_parts else np.empty(0, dtype=np.int64)
        t = np.concatenate(t_parts) if t_parts else np.empty(0, dtype=np.int64)
        pair = u.astype(np.int64) * T + t
        habit, fatigue = _pair_state_lookup(state_keys, state_last, state_n, pair, w)
        prob = _sigmoid(p.logit(u, t, w, habit, fatigue, pop_z))

        if write_truth:
            uu = np.repeat(np.arange(U), T)
            tt = np.tile(np.arange(T), U)
            h, f = _pair_state_lookup(state_keys, state_last, state_n, uu.astype(np.int64) * T + tt, w)
            p_eng = _sigmoid(p.logit(uu, tt, w, h, f, pop_z))
            expected = m[uu] * pi[p.u_goal[uu], tt]
            truth.append((uu, tt, np.full(uu.size, w), p_eng, expected, 1 - np.exp(-expected * p_eng)))

        # impression times: after signup, inside the week, leaving room for the funnel
        lo = np.maximum(p.u_signup[u], week_start)
        span = np.maximum(week_end - 2 * 3600 * US_PER_SECOND - lo, US_PER_SECOND)
        imp_at = lo + (rng.random(u.size) * span).astype(np.int64)
        # workout shown: one of the trainer's workouts, the oldest if the pick is not out yet
        j = p.t_w_offset[t] + (rng.random(u.size) * p.t_w_count[t]).astype(np.int64)
        j = np.where(p.w_published[j] <= imp_at, j, p.t_w_offset[t])
        imps.append((u, t, j, imp_at))

        clicked = rng.random(u.size) < prob
        cu, ct, cj = u[clicked], t[clicked], j[clicked]
        click_at = imp_at[clicked] + rng.integers(5, 600, cu.size) * US_PER_SECOND
        clicks.append((cu, ct, cj, click_at))

        type_pref = p.u_pref[cu, p.w_type[cj]]
        goal_match = p.t_spec[ct, p.goal_spec[p.u_goal[cu]]]
        q = p.t_quality[ct]
        viewed = rng.random(cu.size) < _sigmoid(0.6 + 0.9 * type_pref + 0.3 * q)
        vu, vt, vj = cu[viewed], ct[viewed], cj[viewed]
        view_at = click_at[viewed] + rng.integers(3, 120, vu.size) * US_PER_SECOND
        vq, vgm, vtp = q[viewed], goal_match[viewed], type_pref[viewed]
        level_eq = (p.u_level[vu] == p.w_level[vj]).astype(float)
        mu = _sigmoid(0.2 + 0.6 * vq + 0.5 * level_eq + 0.4 * vtp + 0.3 * vgm)
        watch = np.round(np.clip(rng.beta(mu * 4, (1 - mu) * 4), 0.0, 1.0), 3)
        views.append((vu, vt, vj, view_at, watch))

        completed = watch >= 0.85
        duration_us = p.w_duration[vj] * 60 * US_PER_SECOND
        end_at = view_at + (duration_us * np.where(completed, 1 + 0.1 * rng.random(vu.size), watch))
        end_at = end_at.astype(np.int64)
        sessions.append((vu, vj, view_at, np.where(completed, end_at, -1)))
        gives = rng.random(vu.size) < np.where(completed, 0.6, 0.25)
        liked = rng.random(vu.size) < _sigmoid(-2.2 + 1.1 * vq + 2.0 * (watch - 0.5) + 0.7 * vgm + 0.5 * vtp)
        fb_at = end_at + rng.integers(60, 1800, vu.size) * US_PER_SECOND
        feedback.append((np.flatnonzero(gives), liked[gives], fb_at[gives]))

        # carry state: pairs engaged (clicked) this week, and next week's popularity
        engaged = np.unique(cu.astype(np.int64) * T + ct)
        all_keys = np.concatenate([state_keys, engaged])
        all_last = np.concatenate([state_last, np.full(engaged.size, w)])
        all_n = np.concatenate([state_n, np.ones(engaged.size, dtype=np.int64)])
        order = np.lexsort((all_last, all_keys))
        all_keys, all_last, all_n = all_keys[order], all_last[order], all_n[order]
        last_of_key = np.r_[all_keys[1:] != all_keys[:-1], True]
        summed_n = np.add.reduceat(all_n, np.flatnonzero(np.r_[True, all_keys[1:] != all_keys[:-1]]))
        state_keys, state_last, state_n = all_keys[last_of_key], all_last[last_of_key], summed_n
        prev_clicks = np.bincount(ct, minlength=T).astype(float)

    out.mkdir(parents=True, exist_ok=True)
    end_us = p.start_us + cfg.weeks * US_PER_WEEK
    booked = booking_model.generate_bookings(p, views, end_us, US_PER_WEEK, cfg.seed)
    said = rec_feedback_model.generate_feedback(p, imps, clicks, booked, end_us, cfg.seed)
    counts = _write_tables(p, out, imps, clicks, views, sessions, feedback, booked, said)
    if cfg.truth:  # one row per trainer or (goal, speciality): always small
        (out / "truth").mkdir(exist_ok=True)
        _write(booking_model.truth_table(booked, _ids("t", cfg.trainers, 4)), out / "truth" / "price_truth.parquet")
        _write(rec_feedback_model.truth_table(), out / "truth" / "speciality_acceptance.parquet")
        _write(
            rec_feedback_model.trainer_truth_table(said, _ids("t", cfg.trainers, 4)),
            out / "truth" / "trainer_feedback_truth.parquet",
        )
    if write_truth:
        _write_truth(p, out, truth)
    (out / "_generator.json").write_text(
        json.dumps({"config": asdict(cfg), "rows": counts, "truth": write_truth}, indent=2) + "\n"
    )
    return counts


def _ts(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[us]"), type=pa.timestamp("us"))


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", row_group_size=1_000_000)


def _write_tables(p, out, imps, clicks, views, sessions, feedback, booked, said) -> dict[str, int]:
    cfg = p.cfg
    user_ids = _ids("u", cfg.users, 6)
    trainer_ids = _ids("t", cfg.trainers, 4)
    workout_ids = _ids("w", cfg.workouts, 5)
    users = pa.table(
        {
            "user_id": user_ids,
            "signup_at": _ts(p.u_signup),
            "age_group": [catalog.AGE_GROUPS[i] for i in p.u_age],
            "fitness_level": [catalog.FITNESS_LEVELS[i] for i in p.u_level],
            "goal": [catalog.GOALS[i] for i in p.u_goal],
            "preferred_types": [[catalog.WORKOUT_TYPES[i] for i in prefs] for prefs in p.u_pref_lists],
        }
    )
    trainers = pa.table(
        {
            "trainer_id": trainer_ids,
            "name": p.t_name,
            "specialities": p.t_spec_text,
            "years_experience": p.t_years.astype(np.int32),
            "rating": p.t_rating,
            "price_per_session": p.t_price,
            "joined_at": _ts(p.t_joined),
        }
    )
    workouts = pa.table(
        {
            "workout_id": workout_ids,
            "trainer_id": trainer_ids[p.w_trainer],
            "title": p.w_title,
            "workout_type": [catalog.WORKOUT_TYPES[i] for i in p.w_type],
            "fitness_level": [catalog.FITNESS_LEVELS[i] for i in p.w_level],
            "duration_min": p.w_duration.astype(np.int32),
            "tags": p.w_tags,
            "published_at": _ts(p.w_published),
        }
    )

    def cat(parts: list[tuple], i: int) -> np.ndarray:
        return np.concatenate([part[i] for part in parts]) if parts else np.empty(0)

    # sessions first: feedback and like events refer to them
    s_u, s_j, s_start, s_end = (cat(sessions, i) for i in range(4))
    s_order = np.lexsort((s_j, s_u, s_start))
    s_rank = np.empty_like(s_order)
    s_rank[s_order] = np.arange(s_order.size)
    offsets = np.cumsum([0] + [part[0].size for part in sessions[:-1]])
    fb_session = np.concatenate([idx + off for (idx, _, _), off in zip(feedback, offsets, strict=True)])
    fb_liked = np.concatenate([part[1] for part in feedback])
    fb_at = np.concatenate([part[2] for part in feedback])
    end = s_end[s_order]
    sessions_t = pa.table(
        {
            "session_id": np.arange(1, s_order.size + 1, dtype=np.int64),
            "user_id": user_ids[s_u[s_order].astype(np.int64)],
            "workout_id": workout_ids[s_j[s_order].astype(np.int64)],
            "started_at": _ts(s_start[s_order]),
            "completed_at": pa.array(end.astype("datetime64[us]"), mask=end < 0, type=pa.timestamp("us")),
        }
    )
    f_order = np.lexsort((s_rank[fb_session], fb_at))
    fs = fb_session[f_order]
    feedback_t = pa.table(
        {
            "feedback_id": np.arange(1, f_order.size + 1, dtype=np.int64),
            "session_id": (s_rank[fs] + 1).astype(np.int64),
            "user_id": user_ids[s_u[fs].astype(np.int64)],
            "workout_id": workout_ids[s_j[fs].astype(np.int64)],
            "liked": fb_liked[f_order].astype(np.int8),
            "feedback_at": _ts(fb_at[f_order]),
        }
    )

    # events: the funnel, one row per event, ids in time order
    likes = fs[fb_liked[f_order]]
    like_at = fb_at[f_order][fb_liked[f_order]]
    parts = [
        (cat(imps, 0), cat(imps, 1), cat(imps, 2), cat(imps, 3), 0, None),
        (cat(clicks, 0), cat(clicks, 1), cat(clicks, 2), cat(clicks, 3), 1, None),
        (cat(views, 0), cat(views, 1), cat(views, 2), cat(views, 3), 2, cat(views, 4)),
        (s_u[likes], p.w_trainer[s_j[likes].astype(np.int64)], s_j[likes], like_at, 3, None),
    ]
    e_u = np.concatenate([x[0] for x in parts]).astype(np.int64)
    e_t = np.concatenate([x[1] for x in parts]).astype(np.int64)
    e_j = np.concatenate([x[2] for x in parts]).astype(np.int64)
    e_at = np.concatenate([x[3] for x in parts]).astype(np.int64)
    e_type = np.concatenate([np.full(x[0].size, x[4], dtype=np.int8) for x in parts])
    e_watch = np.concatenate([x[5] if x[5] is not None else np.full(x[0].size, np.nan) for x in parts])
    order = np.lexsort((e_t, e_u, e_type, e_at))
    event_types = pa.array(catalog.EVENT_TYPES)
    watch = e_watch[order]
    events = pa.table(
        {
            "event_id": np.arange(1, order.size + 1, dtype=np.int64),
            "user_id": pa.array(user_ids).take(pa.array(e_u[order])),
            "trainer_id": pa.array(trainer_ids).take(pa.array(e_t[order])),
            "workout_id": pa.array(workout_ids).take(pa.array(e_j[order])),
            "event_type": event_types.take(pa.array(e_type[order])),
            "event_at": _ts(e_at[order]),
            "watch_fraction": pa.array(watch, mask=np.isnan(watch)),
        }
    )
    tables = {
        "users": users,
        "trainers": trainers,
        "workouts": workouts,
        "events": events,
        "sessions": sessions_t,
        "feedback": feedback_t,
        "bookings": booking_model.bookings_table(booked, user_ids, trainer_ids, _ts),
        "recommendation_feedback": rec_feedback_model.feedback_table(
            said, user_ids, trainer_ids, p.start_us, US_PER_WEEK, _ts
        ),
    }
    for name, table in tables.items():
        _write(table, out / f"{name}.parquet")
    return {name: table.num_rows for name, table in tables.items()}


def _write_truth(p: _Platform, out: Path, truth: list[tuple]) -> None:
    cfg = p.cfg
    uu = np.concatenate([x[0] for x in truth])
    tt = np.concatenate([x[1] for x in truth])
    ww = np.concatenate([x[2] for x in truth])
    week_start = p.start_us + ww * US_PER_WEEK
    table = pa.table(
        {
            "user_id": pa.array(_ids("u", cfg.users, 6)).take(pa.array(uu)),
            "trainer_id": pa.array(_ids("t", cfg.trainers, 4)).take(pa.array(tt)),
            "target_week": pa.array((week_start // US_PER_DAY).astype("datetime64[D]"), type=pa.date32()),
            "p_engage_per_impression": np.concatenate([x[3] for x in truth]),
            "expected_impressions": np.concatenate([x[4] for x in truth]),
            "p_label": np.concatenate([x[5] for x in truth]),
        }
    )
    _write(table, out / "truth" / "propensities.parquet")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=GeneratorConfig.users)
    ap.add_argument("--trainers", type=int, default=GeneratorConfig.trainers)
    ap.add_argument("--workouts", type=int, default=GeneratorConfig.workouts)
    ap.add_argument("--weeks", type=int, default=GeneratorConfig.weeks)
    ap.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    ap.add_argument("--impressions-per-user-week", type=float, default=GeneratorConfig.impressions_per_user_week)
    ap.add_argument("--start", default=GeneratorConfig.start, help="Monday the first week starts")
    ap.add_argument("--no-truth", action="store_true", help="skip truth/ (always skipped past 50M rows)")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    cfg = GeneratorConfig(
        users=a.users,
        trainers=a.trainers,
        workouts=a.workouts,
        weeks=a.weeks,
        seed=a.seed,
        impressions_per_user_week=a.impressions_per_user_week,
        start=a.start,
        truth=not a.no_truth,
    )
    t0 = time.perf_counter()
    counts = generate(cfg, a.out)
    total = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    print(f"wrote {a.out}: {total} ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
