"""Paid-session bookings of the synthetic platform, and the true price acceptance behind them.

A user who views a trainer's workout may request a paid session at the trainer's price that week
(trainers move their price around their list price from week to week). The request is accepted
(the session is paid) or cancelled; requests in the last two days of the data are still
``requested``. Whether it is accepted depends on things the warehouse partly sees:

* the price against what the user's hidden budget tier accepts (``BUDGET_REFERENCE``);
* the price against comparable trainers' list prices (same main speciality);
* the trainer's hidden quality (seen noisily through ratings and like rates).

``acceptance`` is the one definition of that curve. The generator draws bookings from it, and
``truth/price_truth.parquet`` keeps each trainer's inputs to it (quality, comparable median, the
budget-tier mix of the people who request them), so a benchmark can compute the true acceptance
and the expected revenue of any suggested price. dbt never reads ``truth/``.

Bookings use their own random stream (seeded from the generator's seed), so adding them leaves
every other table exactly as it was.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# the price each hidden budget tier accepts as fair (low, mid, high) and the tiers' shares
BUDGET_REFERENCE = np.array([38.0, 55.0, 80.0])
BUDGET_SHARES = np.array([0.35, 0.45, 0.20])
# the acceptance curve's coefficients (logit scale)
BASE, QUALITY, OVER_BUDGET, OVER_MARKET = 1.2, 0.6, 2.5, 1.5
REQUEST_RATE = 0.15  # share of views that become a booking request
WEEKLY_PRICE_SPREAD = 0.15  # sd of log(week price / list price)
PENDING_DAYS = 2  # requests this close to the end of the data are still `requested`
STREAM = 0xB00C  # the bookings' random stream: default_rng([seed, STREAM])


def acceptance(price, quality, comparable_median, tier_mix) -> np.ndarray:
    """P(a request is accepted) at ``price``, averaged over the requesters' budget tiers.

    Arrays broadcast: ``price``, ``quality`` and ``comparable_median`` share a shape; ``tier_mix``
    has one more trailing axis of 3 (low, mid, high shares summing to 1)."""
    price = np.asarray(price, dtype=float)
    base = BASE + QUALITY * np.asarray(quality) - OVER_MARKET * (price / np.asarray(comparable_median) - 1)
    logits = base[..., None] - OVER_BUDGET * (price[..., None] / BUDGET_REFERENCE - 1)
    return (np.asarray(tier_mix) / (1 + np.exp(-logits))).sum(axis=-1)


def comparable_medians(list_price: np.ndarray, main_speciality: np.ndarray) -> np.ndarray:
    """Each trainer's comparable market price: the median list price of trainers sharing their
    main speciality (themselves included)."""
    out = np.empty(list_price.size)
    for s in np.unique(main_speciality):
        members = main_speciality == s
        out[members] = np.median(list_price[members])
    return out


def generate_bookings(p, views: list[tuple], end_us: int, us_per_week: int, seed: int) -> dict:
    """Booking rows (indices into users / trainers) and each trainer's truth, from the views."""
    rng = np.random.default_rng([seed, STREAM])
    cfg, T = p.cfg, p.cfg.trainers
    budget_tier = rng.choice(3, cfg.users, p=BUDGET_SHARES)
    main_spec = np.array([specs[0] for specs in p.t_spec_lists])
    comparable = comparable_medians(p.t_price, main_spec)
    week_price = np.round(p.t_price[None, :] * np.exp(rng.normal(0, WEEKLY_PRICE_SPREAD, (cfg.weeks, T))), 1)
    users, trainers, booked_at, price, status = [], [], [], [], []
    for w, (vu, vt, _vj, view_at, _watch) in enumerate(views):
        asks = rng.random(vu.size) < REQUEST_RATE
        u, t = vu[asks].astype(np.int64), vt[asks].astype(np.int64)
        at = view_at[asks] + rng.integers(60, 3 * 3600, u.size) * 1_000_000
        paid = week_price[w, t]
        p_accept = acceptance(paid, p.t_quality[t], comparable[t], np.eye(3)[budget_tier[u]])
        accepted = rng.random(u.size) < p_accept
        state = np.where(accepted, "accepted", "cancelled").astype(object)
        state[at >= end_us - PENDING_DAYS * 86_400 * 1_000_000] = "requested"
        users.append(u), trainers.append(t), booked_at.append(at), price.append(paid), status.append(state)
    u, t = np.concatenate(users), np.concatenate(trainers)
    at, paid, state = np.concatenate(booked_at), np.concatenate(price), np.concatenate(status)
    order = np.lexsort((t, u, at))
    # the tier mix of each trainer's requesters (the population's where nobody asked)
    mix = np.tile(BUDGET_SHARES, (T, 1))
    counts = np.zeros((T, 3))
    np.add.at(counts, (t, budget_tier[u]), 1.0)
    asked = counts.sum(axis=1) > 0
    mix[asked] = counts[asked] / counts[asked].sum(axis=1, keepdims=True)
    return {
        "user": u[order],
        "trainer": t[order],
        "booked_at": at[order],
        "price_paid": paid[order],
        "status": state[order],
        "budget_tier": budget_tier,  # hidden: the recommendation feedback's price complaints use it
        "week_price": week_price,
        "truth": {
            "quality": p.t_quality,
            "list_price": p.t_price,
            "comparable_median_price": comparable,
            "tier_mix": mix,
        },
    }


def bookings_table(b: dict, user_ids: np.ndarray, trainer_ids: np.ndarray, ts) -> pa.Table:
    return pa.table(
        {
            "booking_id": np.arange(1, b["user"].size + 1, dtype=np.int64),
            "user_id": pa.array(user_ids).take(pa.array(b["user"])),
            "trainer_id": pa.array(trainer_ids).take(pa.array(b["trainer"])),
            "booked_at": ts(b["booked_at"]),
            "price_paid": b["price_paid"].astype(float),
            "status": pa.array(b["status"].tolist(), type=pa.string()),
        }
    )


def truth_table(b: dict, trainer_ids: np.ndarray) -> pa.Table:
    truth = b["truth"]
    return pa.table(
        {
            "trainer_id": trainer_ids,
            "quality": truth["quality"],
            "list_price": truth["list_price"],
            "comparable_median_price": truth["comparable_median_price"],
            "share_budget_low": truth["tier_mix"][:, 0],
            "share_budget_mid": truth["tier_mix"][:, 1],
            "share_budget_high": truth["tier_mix"][:, 2],
        }
    )
