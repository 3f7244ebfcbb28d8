"""Price bands (recwarehouse.marketplace.pricing): ordering, the revenue-optimal point, the
fallbacks, and calibration on bookings drawn from the generator's own acceptance curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recwarehouse.demo import bookings as truth
from recwarehouse.marketplace.pricing import (
    FEATURES,
    PriceSettings,
    _calibration_split,
    conformal_margin,
    fit,
    ordered_band,
    revenue_optimal,
    suggest,
)


def test_the_band_is_ordered_whatever_order_the_quantiles_came_in() -> None:
    low, middle, high = ordered_band(np.array([50.0, 10.0]), np.array([40.0, 30.0]), np.array([45.0, 20.0]))
    assert low.tolist() == [40.0, 10.0] and middle.tolist() == [45.0, 20.0] and high.tolist() == [50.0, 30.0]


def test_the_optimal_price_maximises_price_times_acceptance_on_the_grid() -> None:
    # P(accept) = 1 - p / 100: revenue p (1 - p / 100) peaks at 50; at a band above 50, its bottom
    best, p_best = revenue_optimal(np.array([20.0, 60.0]), np.array([80.0, 90.0]), lambda p: 1 - p / 100, points=61)
    assert best.tolist() == pytest.approx([50.0, 60.0])
    assert p_best.tolist() == pytest.approx([0.5, 0.4])


def test_the_conformal_margin_is_the_right_order_statistic_of_the_scores() -> None:
    scores = np.array([3.0, -1.0, 1.0, 0.0, 2.0])
    assert conformal_margin(scores, 0.8) == 3.0  # ceil(6 x 0.8) = 5th smallest
    assert conformal_margin(scores, 0.5) == 1.0  # ceil(6 x 0.5) = 3rd smallest
    assert conformal_margin(scores, 0.1) == -1.0  # a band wider than needed narrows


def test_the_last_week_calibrates_only_when_both_parts_are_big_enough() -> None:
    week = np.repeat(pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19"]), [150, 100, 60])
    accepted = pd.DataFrame({"booked_week": week, "price_to_market": 1.0})
    proper, held = _calibration_split(accepted, PriceSettings(min_training_bookings=200))
    assert len(proper) == 250 and len(held) == 60
    proper, held = _calibration_split(accepted, PriceSettings(min_training_bookings=300))
    assert len(proper) == 310 and held is None  # the weeks before the last are too few to learn from
    proper, held = _calibration_split(accepted.iloc[:260], PriceSettings(min_training_bookings=200))
    assert held is None  # 10 bookings in the last week are too few to calibrate on


def _world(rng: np.random.Generator, trainers: int, requests: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bookings drawn as the generator draws them (its acceptance curve, weekly price moves,
    hidden budget tiers), and per trainer the features the warehouse would have."""
    quality = rng.normal(0, 1, trainers)
    years = 1 + rng.poisson(6, trainers)
    list_price = np.maximum(15, 25 + 4 * years + rng.normal(0, 8, trainers))
    speciality = rng.integers(0, 4, trainers)
    market = truth.comparable_medians(list_price, speciality)
    t = rng.integers(0, trainers, requests)
    price = list_price[t] * np.exp(rng.normal(0, truth.WEEKLY_PRICE_SPREAD, requests))
    tier = rng.choice(3, requests, p=truth.BUDGET_SHARES)
    accepted = rng.random(requests) < truth.acceptance(price, quality[t], market[t], np.eye(3)[tier])
    bookings = pd.DataFrame({"trainer": t, "price_paid": price, "is_accepted": accepted})
    own = bookings.groupby("trainer").agg(n=("is_accepted", "size"), acc=("is_accepted", "sum"))
    own_price = bookings[bookings.is_accepted].groupby("trainer")["price_paid"].mean()
    features = pd.DataFrame(
        {
            "trainer_id": [f"t{i}" for i in range(trainers)],
            "target_week": pd.Timestamp("2026-03-02"),
            "list_price": list_price,
            "market_median_list_price": market,
            "comparable_trainers": pd.Series(speciality).map(pd.Series(speciality).value_counts()).to_numpy() - 1,
            "market_acceptance_rate": bookings.is_accepted.mean(),
            "market_price_low": np.nan,
            "market_price_median": bookings.loc[bookings.is_accepted, "price_paid"].median(),
            "market_price_high": np.nan,
            "own_bookings": own["n"].reindex(range(trainers), fill_value=0).to_numpy(),
            "own_acceptance_rate_smoothed": ((own["acc"] + 5) / (own["n"] + 10)).reindex(range(trainers)).to_numpy(),
            "own_avg_accepted_price": own_price.reindex(range(trainers)).to_numpy(),
            "trainer_rating": np.clip(3.9 + 0.35 * quality + rng.normal(0, 0.35, trainers), 1, 5),
            "trainer_years_experience": years,
            "trainer_ctr_decayed": 0.05 + 0.01 * quality,
            "trainer_engagement_decayed": np.exp(0.5 * quality),
            "trainer_users_engaged": own["n"].reindex(range(trainers), fill_value=0).to_numpy(),
            "trainer_completion_rate_smoothed": 0.5 + 0.1 * np.tanh(quality),
            "trainer_like_rate_smoothed": 0.4 + 0.1 * np.tanh(quality),
        }
    )
    return bookings, features


def test_bands_cover_their_nominal_share_of_accepted_prices_on_generated_bookings() -> None:
    """Learned on one draw, checked on the accepted bookings of a fresh draw from the same world:
    an 80% band (0.1 to 0.9) holds 80% of them, within 5 points."""
    rng = np.random.default_rng(7)
    bookings, features = _world(rng, trainers=60, requests=12_000)
    examples = bookings.merge(features, left_on=bookings["trainer"].map(lambda i: f"t{i}"), right_on="trainer_id")
    settings = PriceSettings(lower_quantile=0.1, upper_quantile=0.9, min_training_bookings=200, min_trainer_bookings=5)
    models = fit(examples, settings)
    assert models is not None
    bands = suggest(features, models, settings).set_index("trainer_id")
    assert (bands["method"] == "learned").all()
    assert (bands["min_price"] <= bands["optimal_price"]).all() and (bands["optimal_price"] <= bands["max_price"]).all()
    # a fresh draw of requests to the same trainers at the same acceptance curve
    later = np.random.default_rng(8)
    t = later.integers(0, 60, 6_000)
    list_price = features["list_price"].to_numpy()
    price = list_price[t] * np.exp(later.normal(0, truth.WEEKLY_PRICE_SPREAD, t.size))
    tier = later.choice(3, t.size, p=truth.BUDGET_SHARES)
    # the trainers' hidden quality is not in `features`: recover it the way `_world` drew it
    quality = np.random.default_rng(7).normal(0, 1, 60)
    market = features["market_median_list_price"].to_numpy()
    accepted = later.random(t.size) < truth.acceptance(price, quality[t], market[t], np.eye(3)[tier])
    band = bands.loc[[f"t{i}" for i in t[accepted]]]
    inside = (price[accepted] >= band["min_price"].to_numpy()) & (price[accepted] <= band["max_price"].to_numpy())
    assert abs(inside.mean() - 0.8) <= 0.05, inside.mean()


def test_thin_evidence_falls_back_to_the_market_rule_and_then_to_the_list_price() -> None:
    rng = np.random.default_rng(3)
    _, features = _world(rng, trainers=4, requests=40)
    features["own_bookings"] = [0, 0, 9, 9]
    features["market_price_low"] = [40.0, np.nan, 40.0, 40.0]
    features["market_price_median"] = [50.0, np.nan, 50.0, 50.0]
    features["market_price_high"] = [65.0, np.nan, 65.0, 65.0]
    settings = PriceSettings(min_training_bookings=200, min_trainer_bookings=5)
    no_model = suggest(features, None, settings)
    assert no_model["method"].tolist() == ["market_rule", "list_price", "market_rule", "market_rule"]
    assert no_model.loc[0, ["min_price", "optimal_price", "max_price"]].tolist() == [40.0, 50.0, 65.0]
    assert no_model.loc[1, "min_price"] == no_model.loc[1, "max_price"] == round(features.loc[1, "list_price"], 2)
    # with too few accepted bookings to learn from, there is no model at all
    few = pd.DataFrame({**{c: [1.0] * 10 for c in FEATURES}, "is_accepted": [True, False] * 5, "price_paid": 50.0})
    few["market_median_list_price"], few["list_price"] = 50.0, 50.0
    few["market_price_median"], few["own_avg_accepted_price"] = 50.0, 50.0
    assert fit(few, settings) is None
