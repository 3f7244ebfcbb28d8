"""Rankers: deterministic, serialisable, and able to learn a planted signal."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from recwarehouse.trainer_ranking.rankers import LightGBMLambdaRanker, candidate_rankers, feature_columns
from recwarehouse.trainer_ranking.registry import (
    cap_rows_by_user,
    check_features_match,
    empty_registry,
    examples_fingerprint,
    load_model,
    retrain_reason,
    score_batches,
    score_splits,
    train_and_select,
    training_settings,
)


def toy_examples(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for week, split in [("2026-01-12", "train"), ("2026-01-19", "train"), ("2026-01-26", "validation")]:
        for u in range(60):
            for t in range(12):
                signal = rng.normal()
                rows.append(
                    {
                        "user_id": f"u{u:03d}",
                        "trainer_id": f"t{t:02d}",
                        "target_week": pd.Timestamp(week),
                        "split": split,
                        "candidate_source": "goal_match",
                        "user_goal": "rehab",
                        "goal_match": int(t % 2 == 0),
                        "signal": signal,
                        "noise": rng.normal(),
                        "trainer_engagement_decayed": float(rng.integers(0, 50)),
                        "label": int(signal + 0.5 * (t % 2 == 0) + rng.normal(0, 0.5) > 1.0),
                        "max_source_week": pd.Timestamp(week) - pd.Timedelta(days=7),
                    }
                )
    return pd.DataFrame(rows)


def test_feature_columns_exclude_ids_labels_and_bookkeeping() -> None:
    cols = feature_columns(toy_examples())
    assert cols == ["goal_match", "signal", "noise", "trainer_engagement_decayed"]


def test_learned_models_beat_random_and_registry_is_deterministic() -> None:
    ex = toy_examples()
    valid = ex[ex.split == "validation"]
    n_rel = valid.groupby("user_id").label.sum()
    a = train_and_select(ex, n_rel, k=3, seed=7, n_catalog=12)
    b = train_and_select(ex, n_rel, k=3, seed=7, n_catalog=12)
    cols = ["model_id", "ndcg_at_k", "precision_at_k", "model_sha256"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    ndcg = a[a.stage == "candidate"].set_index("algorithm").ndcg_at_k
    assert ndcg["lightgbm_lambdarank"] > ndcg["random"] + 0.2
    assert ndcg["lightgbm_classifier"] > ndcg["random"] + 0.2
    assert a.is_selected.sum() == 2  # the chosen candidate and its serving refit
    serving = a[a.stage == "serving"].iloc[0]
    assert serving.algorithm == a[(a.stage == "candidate") & a.is_selected].iloc[0].algorithm
    model = load_model(serving.model_blob)
    scores = model.score(valid)
    assert scores.min() >= 0 and scores.max() <= 1


def test_lambdarank_bag_scores_are_the_mean_of_its_seeded_members() -> None:
    ex = toy_examples()
    train, valid = ex[ex.split == "train"], ex[ex.split == "validation"]
    bag = LightGBMLambdaRanker(seed=3, k=3, bags=3).fit(train)
    singles = [LightGBMLambdaRanker(seed=3 + b, k=3, bags=1).fit(train).score(valid) for b in range(3)]
    np.testing.assert_allclose(bag.score(valid), np.mean(singles, axis=0), rtol=1e-12)
    assert not np.allclose(singles[0], singles[1])  # the seeds differ, so the bag is not one model thrice
    assert bag.params["bags"] == 3


@pytest.mark.parametrize("ranker", candidate_rankers(seed=1, k=3), ids=lambda r: r.name)
def test_every_ranker_scores_in_unit_interval(ranker) -> None:
    ex = toy_examples(1)
    ranker.fit(ex[ex.split == "train"])
    s = ranker.score(ex[ex.split == "validation"])
    assert np.all((s >= 0) & (s <= 1)) and len(s) == (ex.split == "validation").sum()


def test_no_training_data_gives_an_empty_typed_registry_and_no_scores() -> None:
    # serving then falls back to the rule-based score (see resolve_recommendation_mode)
    ex = toy_examples()
    registry = train_and_select(ex[ex.split == "train"], pd.Series(dtype=int), k=3, seed=1, n_catalog=12)
    full = train_and_select(ex, ex[ex.split == "validation"].groupby("user_id").label.sum(), k=3, seed=1, n_catalog=12)
    assert registry.empty and list(registry.columns) == list(full.columns)
    assert registry["ndcg_at_k"].dtype == float and registry["is_selected"].dtype == bool
    scores = score_splits(registry, ex.assign(split="serve"))
    assert scores.empty and list(scores.columns) == ["user_id", "trainer_id", "split", "score", "model_id"]
    assert len(score_splits(full, ex.assign(split="serve"))) == len(ex)


def test_row_order_of_the_input_does_not_change_the_models() -> None:
    ex = toy_examples(2)
    valid = ex[ex.split == "validation"]
    n_rel = valid.groupby("user_id").label.sum()
    a = train_and_select(ex, n_rel, k=3, seed=7, n_catalog=12)
    b = train_and_select(ex.sample(frac=1.0, random_state=3), n_rel, k=3, seed=7, n_catalog=12)
    cols = ["model_id", "ndcg_at_k", "model_sha256"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_scoring_in_batches_equals_scoring_at_once() -> None:
    ex = toy_examples(3)
    registry = train_and_select(
        ex, ex[ex.split == "validation"].groupby("user_id").label.sum(), k=3, seed=2, n_catalog=12
    )
    serve = ex.drop(columns=["split"])
    whole = score_splits(registry, serve.assign(split="serve"))
    chunks = [serve.iloc[i : i + 100] for i in range(0, len(serve), 100)]
    batched = score_batches(registry, chunks, "serve")
    pd.testing.assert_frame_equal(whole, batched)


def test_row_cap_keeps_whole_users_and_is_seeded() -> None:
    ex = toy_examples(4)
    train = ex[ex.split == "train"]
    capped = cap_rows_by_user(train, 500, seed=3)
    assert len(capped) <= 500 and capped.user_id.nunique() == len(capped) // 24  # 2 weeks x 12 trainers
    assert capped.equals(cap_rows_by_user(train, 500, seed=3))
    assert set(capped.user_id) != set(cap_rows_by_user(train, 500, seed=4).user_id)
    assert cap_rows_by_user(train, None, seed=3) is train


NO_MODELS = "no stored models (first build or --full-refresh)"


def test_retrain_reason_follows_the_cadence_settings_and_data() -> None:
    ex = toy_examples(5)
    valid = ex[ex.split == "validation"]
    n_rel = valid.groupby("user_id").label.sum()
    registry = train_and_select(ex, n_rel, k=3, seed=7, n_catalog=12, trained_because=NO_MODELS)
    week = pd.Timestamp(registry["validation_week"].iloc[0]).date()
    settings = training_settings(3, 7, None)
    assert set(registry["training_settings"]) == {settings} and set(registry["trained_because"]) == {NO_MODELS}
    same_data = lambda: examples_fingerprint(ex, None, 7)  # noqa: E731
    assert same_data() == registry["data_fingerprint"].iloc[0]  # what train_and_select recorded

    def reason(stored=registry, when=week, every=1, settings=settings, data=same_data):
        return retrain_reason(stored, when, settings, every, data)

    later = [week + timedelta(weeks=n) for n in range(4)]
    assert reason(stored=None) == NO_MODELS
    assert reason(stored=registry.iloc[0:0]) == "the stored registry holds no model"
    assert reason() is None  # the same data again: nothing to learn
    changed = ex.assign(signal=ex.signal.where(ex.user_id != ex.user_id.iloc[0], 0.0))
    assert reason(data=lambda: examples_fingerprint(changed, None, 7)).startswith("the labelled weeks up to")
    assert reason(settings=training_settings(3, 8, None)).startswith("training settings changed")
    assert reason(settings=training_settings(3, 7, 5000)).startswith("training settings changed")
    # features built with other settings (a changed decay, say) are a changed setting too, even
    # when the models are younger than retrain_every_weeks
    other_features = training_settings(3, 7, None, feature_fingerprint="decay 0.5")
    assert reason(settings=other_features, when=later[1], every=3).startswith("training settings changed")
    assert reason(when=week - timedelta(weeks=1)).startswith("the validation week moved back")
    # a new week: retrain with the default cadence, keep serving with a 3-week one until 3 weeks old
    assert reason(when=later[1]).startswith("the models are 1 week older")
    assert [reason(when=w, every=3) for w in later[1:3]] == [None, None]
    assert reason(when=later[3], every=3).startswith("the models are 3 weeks older")

    def boom() -> str:
        raise AssertionError("the fingerprint is only needed in the registry's own week")

    assert reason(when=later[1], every=3, data=boom) is None


def test_serving_refuses_models_trained_on_other_features() -> None:
    ex = toy_examples(5)
    valid = ex[ex.split == "validation"]
    registry = train_and_select(
        ex, valid.groupby("user_id").label.sum(), k=3, seed=7, n_catalog=12, feature_fingerprint="abc"
    )
    check_features_match(registry, "abc")  # same settings: serves
    check_features_match(empty_registry(), "anything")  # rule-based serving: nothing to check
    with pytest.raises(RuntimeError, match="trained on features shaped by other settings"):
        check_features_match(registry, "def")
