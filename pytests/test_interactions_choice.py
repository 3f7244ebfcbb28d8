"""The served interactions model (`recwarehouse.interactions.choice`) on hand-made per-user NDCG."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recwarehouse.interactions.choice import choose_served, runner_up
from recwarehouse.metrics import paired_bootstrap


def _per_user(scores: dict[str, np.ndarray]) -> pd.DataFrame:
    frames = []
    for model, values in scores.items():
        frames.append(
            pd.DataFrame(
                {"model": model, "model_id": f"{model}-0", "user_id": [f"u{n:03d}" for n in range(len(values))],
                 "ndcg_at_k": values, "model_family": "baseline" if "popularity" in model else "cf"}
            )
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _choice(scores: dict[str, np.ndarray], mode: str = "auto") -> pd.DataFrame:
    return choose_served(_per_user(scores), mode, resamples=500, seed=3, k=10).set_index("model")


def test_the_best_on_validation_serves_and_the_others_are_set_against_it() -> None:
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 1, 400)
    out = _choice({"ease": base, "two_stage": base - 0.05, "popularity": base - 0.2})
    assert out.loc["ease", "is_served"] and not out.loc["two_stage", "is_served"]
    assert not out.loc["two_stage", "is_level_with_best"]
    assert out.loc["two_stage", "difference_to_best"] == pytest.approx(-0.05)
    assert "popularity" not in out.index  # auto: the collaborative family serves
    assert out.loc["ease", "reason"] == "served: best on validation NDCG@10"
    assert out.loc["two_stage", "reason"].startswith("behind the best (-0.0500 against ease")


def test_a_model_within_the_noise_is_level_with_the_best() -> None:
    rng = np.random.default_rng(1)
    ease = rng.uniform(0, 1, 400)
    noise = rng.normal(0, 0.2, 400)
    two_stage = ease + noise - noise.mean() - 0.002  # 0.002 behind on average, noisy per user
    out = _choice({"ease": ease, "two_stage": two_stage, "itemknn": ease - 0.1})
    assert out.loc["ease", "is_served"] and out["is_served"].sum() == 1
    assert out.loc["two_stage", "is_level_with_best"] and not out.loc["itemknn", "is_level_with_best"]
    assert out.loc["two_stage", "reason"].startswith("level with the best (-0.0020 against ease")
    # the interval is the paired bootstrap's, over the same users, with the same seed
    ci = paired_bootstrap(two_stage, ease, 500, 3)
    assert out.loc["two_stage", "ci_low"] == pytest.approx(ci["ci_low"], abs=1e-9)
    assert out.loc["two_stage", "ci_high"] == pytest.approx(ci["ci_high"], abs=1e-9)


def test_modes_choose_the_family_and_an_empty_family_fails_clearly() -> None:
    values = np.linspace(0, 1, 50)
    scores = {"popularity": values, "recency_popularity": values * 0.5, "ease": values * 0.9}
    assert _choice(scores, "baseline").query("is_served").index.tolist() == ["popularity"]
    assert _choice(scores, "cf").query("is_served").index.tolist() == ["ease"]
    with pytest.raises(ValueError, match="no cf model was built"):
        _choice({"popularity": values}, "cf")
    # auto without a collaborative model: the best baseline
    assert _choice({"popularity": values, "recency_popularity": values * 0.5}).query("is_served").index.tolist() == [
        "popularity"
    ]


def test_a_user_a_model_gave_no_list_counts_as_zero_and_equal_means_go_to_the_first_id() -> None:
    per_user = _per_user({"als": np.array([0.5, 0.5]), "ease": np.array([1.0, 0.0])})
    per_user = per_user[~((per_user["model"] == "ease") & (per_user["user_id"] == "u001"))]
    out = choose_served(per_user, "auto", 100, 0, 10).set_index("model")
    assert out.loc["ease", "validation_ndcg_at_k"] == 0.5 and out.loc["als", "is_served"]


def test_the_runner_up_is_the_best_other_model_on_validation() -> None:
    choice = pd.DataFrame({"model_id": ["two_stage-0", "ease-0"], "is_served": [True, False]})
    summary = pd.DataFrame({"model_id": ["ease-0", "two_stage-0", "als-0"], "ndcg_at_k": [0.3, 0.29, 0.1]})
    assert runner_up(choice, summary)["model_id"] == "ease-0"
    assert runner_up(choice, summary[summary["model_id"] == "two_stage-0"]) is None
