"""Rankers: deterministic, serialisable, and able to learn a planted signal."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from recwarehouse.trainer_ranking import rankers
from recwarehouse.trainer_ranking.rankers import (
    LightGBMLambdaRanker,
    LogisticRegressionRanker,
    RandomForestRanker,
    TrainingSet,
    candidate_rankers,
    feature_columns,
    in_query_order,
)
from recwarehouse.trainer_ranking.registry import (
    cap_rows_by_user,
    check_features_match,
    empty_registry,
    examples_fingerprint,
    fit_side_by_side,
    load_model,
    prepare_examples,
    retrain_reason,
    score_batches,
    score_splits,
    scoring_columns,
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
    assert ndcg["logistic_regression"] > ndcg["random"] + 0.2
    assert ndcg["random_forest"] > ndcg["random"] + 0.2
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


def test_the_forest_is_bounded_and_the_same_on_any_thread_count(monkeypatch) -> None:
    ex = toy_examples(3)
    train, valid = ex[ex.split == "train"], ex[ex.split == "validation"]
    one = RandomForestRanker(seed=5).fit(train, max_threads=1)
    two = RandomForestRanker(seed=5).fit(train, max_threads=2)
    np.testing.assert_array_equal(one.score(valid), two.score(valid))
    assert one.params["rows"] == len(train) and one.params["max_samples"] == len(train) // 2
    monkeypatch.setattr(rankers, "FOREST_MAX_ROWS", 200)
    capped = RandomForestRanker(seed=5).fit(train)
    assert capped.params["rows"] == 200 and capped.params["max_samples"] == 100
    assert all(tree.tree_.n_node_samples[0] <= 100 for tree in capped.model.estimators_)
    assert capped.model.get_params()["max_depth"] == rankers.FOREST_PARAMS["max_depth"]
    again = RandomForestRanker(seed=5).fit(train)  # the sample is seeded
    np.testing.assert_array_equal(capped.score(valid), again.score(valid))


def test_logistic_regression_is_the_same_bit_for_bit_while_other_models_change_the_thread_setting() -> None:
    # dbt fits models side by side in one process: another model entering and leaving its
    # `thread_limit` must not reach the solver's BLAS products (the registry stores the model)
    import threading
    import time

    from recwarehouse import thread_limit

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60_000, 30))
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(30)]).assign(
        user_id=[f"u{i // 10:05d}" for i in range(len(x))],
        trainer_id=[f"t{i % 10}" for i in range(len(x))],
        target_week=pd.Timestamp("2026-01-05"),
        label=(x[:, 0] + rng.normal(size=len(x)) > 1).astype(int),
    )
    train = TrainingSet.of(frame)
    reference = LogisticRegressionRanker(seed=1).fit(train).model[-1].coef_
    done = threading.Event()

    def beside() -> None:
        while not done.is_set():
            for n in (2, 1):
                with thread_limit(n):
                    time.sleep(0.0005)

    other = threading.Thread(target=beside)
    other.start()
    try:
        again = [LogisticRegressionRanker(seed=1).fit(train).model[-1].coef_ for _ in range(3)]
    finally:
        done.set()
        other.join()
    for coef in again:
        np.testing.assert_array_equal(coef, reference)


def test_logistic_regression_fills_a_missing_feature_with_its_training_mean() -> None:
    ex = toy_examples(4)
    train, valid = ex[ex.split == "train"].copy(), ex[ex.split == "validation"].copy()
    train.loc[train.index[::3], "signal"] = np.nan
    model = LogisticRegressionRanker(seed=1).fit(train)
    mean = np.nanmean(train["signal"].to_numpy())
    hidden = valid.copy()
    hidden["signal"] = np.nan
    filled = valid.copy()
    filled["signal"] = mean
    np.testing.assert_allclose(model.score(hidden), model.score(filled))
    # the signal column carries the label: its coefficient is the largest
    coefficients = model.model[-1].coef_[0]
    assert np.argmax(np.abs(coefficients)) == model.features.index("signal")


def test_no_training_data_gives_an_empty_typed_registry_and_no_scores() -> None:
    # serving then falls back to the rule-based score (see serving.model_fallback_reason)
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
    # only the ids and the model's features are needed (the serving model reads no other column)
    for split in ("serve", "validation"):
        columns = scoring_columns(registry, split)
        assert columns[:2] == ["user_id", "trainer_id"] and "label" not in columns and "split" not in columns
        narrow = [chunk[columns] for chunk in chunks]
        pd.testing.assert_frame_equal(score_batches(registry, narrow, split), score_batches(registry, chunks, split))
    assert scoring_columns(empty_registry(), "serve") == ["user_id", "trainer_id"]


def test_row_cap_keeps_whole_users_and_is_seeded() -> None:
    ex = toy_examples(4)
    train = ex[ex.split == "train"]
    capped = cap_rows_by_user(train, 500, seed=3)
    assert len(capped) <= 500 and capped.user_id.nunique() == len(capped) // 24  # 2 weeks x 12 trainers
    assert capped.equals(cap_rows_by_user(train, 500, seed=3))
    assert set(capped.user_id) != set(cap_rows_by_user(train, 500, seed=4).user_id)
    assert cap_rows_by_user(train, None, seed=3) is train


def test_side_by_side_fits_give_the_models_of_one_at_a_time(monkeypatch) -> None:
    """Two fits at a time on one thread each (RECWAREHOUSE_THREADS=2) give exactly the scores of
    the same rankers fitted one after the other on one thread, in the order given."""
    ex = toy_examples(5)
    train = TrainingSet.of(ex[ex.split == "train"])
    valid = ex[ex.split == "validation"]
    monkeypatch.setenv("RECWAREHOUSE_THREADS", "2")
    together = fit_side_by_side(candidate_rankers(seed=9, k=3), train)
    monkeypatch.setenv("RECWAREHOUSE_THREADS", "1")
    alone = fit_side_by_side(candidate_rankers(seed=9, k=3), TrainingSet.of(ex[ex.split == "train"]))
    assert [r.name for r, _ in together] == [r.name for r in candidate_rankers(seed=9, k=3)]
    for (a, seconds), (b, _) in zip(together, alone, strict=True):
        assert seconds >= 0
        np.testing.assert_array_equal(a.score(valid), b.score(valid))


def test_fit_threads_follow_the_data_up_to_the_setting(monkeypatch) -> None:
    from recwarehouse.boosting import CELLS_PER_THREAD, fit_threads

    monkeypatch.setenv("RECWAREHOUSE_THREADS", "4")
    assert fit_threads(3_424, 12) == 1  # the price bands' bookings: small data, one thread
    assert fit_threads(CELLS_PER_THREAD // 10 - 1, 10) == 1
    assert fit_threads(2 * CELLS_PER_THREAD // 10, 10) == 2
    assert fit_threads(301_343, 49) == 2  # the demo's training weeks
    assert fit_threads(10**9, 49) == 4  # never more than the setting
    assert fit_threads(10**9, 49, at_most=1) == 1


def test_models_fitted_on_small_data_predict_on_every_thread(monkeypatch) -> None:
    """A fit on small data runs on one thread, its predictions on the project's setting; the
    predictions do not depend on it."""
    from recwarehouse.boosting import lightgbm_classifier, predicting

    monkeypatch.setenv("RECWAREHOUSE_THREADS", "2")
    ex = toy_examples(9)
    x, y = ex[["signal", "noise"]].to_numpy(), ex["label"].to_numpy()
    model = lightgbm_classifier({"n_estimators": 20}, seed=1, shape=x.shape).fit(x, y)
    assert model.get_params()["n_jobs"] == 1
    on_one = model.predict_proba(x)
    assert predicting(model).get_params()["n_jobs"] == 2
    np.testing.assert_array_equal(model.predict_proba(x), on_one)


def test_a_fit_on_two_threads_is_the_fit_on_one(monkeypatch) -> None:
    """LightGBM is deterministic whatever its thread count: the toy rows fitted on 2 threads (one
    thread per cell, so the data is "large") score exactly as on 1."""
    ex = toy_examples(8)
    valid = ex[ex.split == "validation"]
    monkeypatch.setattr("recwarehouse.boosting.CELLS_PER_THREAD", 1)
    scores = {}
    for n in ("1", "2"):
        monkeypatch.setenv("RECWAREHOUSE_THREADS", n)
        train = TrainingSet.of(ex[ex.split == "train"])
        scores[n] = [r.fit(train).score(valid) for r in candidate_rankers(seed=4, k=3)[3:]]
    for one, two in zip(scores["1"], scores["2"], strict=True):
        np.testing.assert_array_equal(one, two)


def test_query_order_sorts_only_when_needed_and_matches_a_stable_sort() -> None:
    ex = toy_examples(6)
    shuffled = ex.sample(frac=1.0, random_state=1)
    expected = shuffled.sort_values(["target_week", "user_id", "trainer_id"], kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(in_query_order(shuffled), expected)
    assert in_query_order(expected) is expected  # already in order: neither sorted nor copied
    # a later key out of order under equal earlier keys is caught; a later key may fall when an
    # earlier one rises
    swapped = expected.copy()
    swapped.loc[[0, 1], "trainer_id"] = swapped.loc[[1, 0], "trainer_id"].to_numpy()
    pd.testing.assert_frame_equal(in_query_order(swapped), swapped.sort_values(
        ["target_week", "user_id", "trainer_id"], kind="mergesort").reset_index(drop=True))  # fmt: skip
    assert in_query_order(expected.iloc[[11, 12]]).index.tolist() == [0, 1]  # t11 of u000, then t00 of u001


def test_prepared_examples_cap_training_users_and_keep_every_other_row_in_order() -> None:
    ex = toy_examples(7).sample(frac=1.0, random_state=2)
    prepared = prepare_examples(ex, 500, seed=3)
    train = ex[ex.split == "train"]
    kept = set(cap_rows_by_user(train.sort_values(["target_week", "user_id", "trainer_id"]), 500, seed=3).user_id)
    assert set(prepared.loc[prepared.split == "train", "user_id"]) == kept
    assert (prepared.split == "validation").sum() == (ex.split == "validation").sum()
    expected = pd.concat([train[train.user_id.isin(kept)], ex[ex.split != "train"]])
    expected = expected.sort_values(["target_week", "user_id", "trainer_id"], kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(prepared, expected)


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


def test_item_knn_scores_by_hand_and_sparse_equals_dense() -> None:
    """Three users, three trainers: cosine similarities and the two neighbour features by hand,
    and the chunked sparse scoring equals a dense computation on a random matrix."""
    from scipy import sparse

    from recwarehouse import collaborative

    # u0 engaged a and b, u1 a and b, u2 b and c (weight 1 each): a.b = 2, |a| = sqrt 2, |b| = sqrt 3
    matrix = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1]], dtype=np.float32))
    sim = collaborative.item_cosine(matrix)
    assert sim[0, 1] == pytest.approx(2 / np.sqrt(6)) and sim[1, 2] == pytest.approx(1 / np.sqrt(3))
    assert sim[0, 2] == 0 and np.all(np.diag(sim) == 0)
    mean = collaborative.neighbour_scores(matrix, sim, np.array([2, 0]), np.array([0, 2]))
    # u2 (history b, c) and a: (sim(a,b) + sim(a,c)) / 2; u0 (history a, b) and c: (0 + sim(b,c)) / 2
    assert mean == pytest.approx([(2 / np.sqrt(6)) / 2, (1 / np.sqrt(3)) / 2])

    rng = np.random.default_rng(3)
    dense = (rng.random((40, 12)) < 0.3) * rng.random((40, 12))
    users, items = rng.integers(0, 40, 500), rng.integers(0, 12, 500)
    old_chunk, collaborative.USER_CHUNK = collaborative.USER_CHUNK, 7  # many chunks
    try:
        m = collaborative.neighbour_scores(
            sparse.csr_matrix(dense), collaborative.item_cosine(sparse.csr_matrix(dense)), users, items
        )
        p = collaborative.projection_scores(
            sparse.csr_matrix(dense), collaborative.item_factors(sparse.csr_matrix(dense), 3), users, items
        )
    finally:
        collaborative.USER_CHUNK = old_chunk
    s = collaborative.item_cosine(sparse.csr_matrix(dense))
    totals = dense.sum(axis=1)
    expected = np.where(totals[users] > 0, (dense[users] * s[items]).sum(axis=1) / np.maximum(totals[users], 1e-12), 0)
    assert m == pytest.approx(expected, rel=1e-5, abs=1e-7)
    one_chunk = collaborative.projection_scores(
        sparse.csr_matrix(dense), collaborative.item_factors(sparse.csr_matrix(dense), 3), users, items
    )
    assert p == pytest.approx(one_chunk, rel=1e-9, abs=1e-12)  # chunked scoring equals one-shot scoring


def test_as_of_item_knn_never_reads_the_target_week() -> None:
    """Rows of week T and later change nothing of week T's features."""
    from recwarehouse.collaborative import as_of_neighbour_scores

    weeks = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19"])
    history = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2", "u2", "u3"],
            "item_id": ["a", "b", "a", "b", "c"],
            "event_week": weeks[[0, 0, 0, 1, 0]],
        }
    )
    pairs = pd.DataFrame({"target_week": weeks[2], "user_id": ["u1", "u3"], "item_id": ["c", "a"]})
    before = as_of_neighbour_scores(history, pairs, decay=0.5)
    later = pd.DataFrame({"user_id": ["u1", "u3", "u9"], "item_id": ["c", "a", "c"], "event_week": weeks[[2, 2, 2]]})
    after = as_of_neighbour_scores(pd.concat([history, later], ignore_index=True), pairs, decay=0.5)
    pd.testing.assert_frame_equal(before, after)
    assert before["cf_similarity"].tolist() == [0.0, 0.0]  # c is co-engaged with nothing before T


def test_puresvd_projection_equals_a_dense_svd() -> None:
    """(r_u V) . v_i / |r_u| with V the top right singular vectors, against numpy's dense SVD."""
    from scipy import sparse

    from recwarehouse.collaborative import item_factors, projection_scores

    rng = np.random.default_rng(5)
    dense = (rng.random((60, 15)) < 0.35) * rng.random((60, 15))
    users, items = rng.integers(0, 60, 300), rng.integers(0, 15, 300)
    factors = item_factors(sparse.csr_matrix(dense), 4)
    got = projection_scores(sparse.csr_matrix(dense), factors, users, items)
    v = np.linalg.svd(dense, full_matrices=False)[2][:4].T  # the same subspace (signs may differ)
    norms = np.linalg.norm(dense, axis=1)
    expected = np.where(
        norms[users] > 0, ((dense[users] @ v) * v[items]).sum(axis=1) / np.maximum(norms[users], 1e-12), 0
    )
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-9)
    assert item_factors(sparse.csr_matrix(dense), 0).shape == (15, 0)  # cf_factors 0: the feature is off


def test_collaborative_features_do_not_depend_on_row_order() -> None:
    """A database scan returns rows in any order; the features must come out bit for bit the same."""
    from recwarehouse.collaborative import as_of_neighbour_scores

    rng = np.random.default_rng(11)
    weeks = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"])
    history = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in rng.integers(0, 30, 400)],
            "item_id": [f"t{i}" for i in rng.integers(0, 12, 400)],
            "event_week": weeks[rng.integers(0, 3, 400)],
        }
    ).drop_duplicates()
    pairs = pd.DataFrame(
        {"target_week": weeks[3], "user_id": [f"u{i}" for i in range(30)], "item_id": [f"t{i % 12}" for i in range(30)]}
    )
    key = ["target_week", "user_id", "item_id"]
    a = as_of_neighbour_scores(history, pairs, 0.8, factors=3).sort_values(key).reset_index(drop=True)
    shuffled = as_of_neighbour_scores(
        history.sample(frac=1, random_state=1), pairs.sample(frac=1, random_state=2), 0.8, 3
    )
    pd.testing.assert_frame_equal(a, shuffled.sort_values(key).reset_index(drop=True), check_exact=True)


def _shown_log(rng, weeks, users=40, items=8, rate=0.3):
    """Impressions and clicks per (user, item, week): users 0..19 like items 0..3, the rest 4..7."""
    rows = []
    for w in weeks:
        for u in range(users):
            for i in range(items):
                shown = int(rng.integers(1, 4))
                p = 0.6 if (u < users // 2) == (i < items // 2) else 0.1
                rows.append((f"u{u:02d}", f"t{i}", w, shown, int(rng.binomial(shown, p * rate / 0.3))))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "event_week", "impressions", "clicks"])


def test_click_factorization_recovers_planted_tastes_and_click_rates() -> None:
    """Two groups of users, each clicking its own half of the items (P 0.6 against 0.1): the fitted
    probabilities come back near the truth and the affinity separates the halves."""
    from recwarehouse.collaborative import click_factorization

    rng = np.random.default_rng(3)
    shown = _shown_log(rng, range(6))
    u = shown["user_id"].str[1:].astype(int).to_numpy()
    i = shown["item_id"].str[1:].astype(int).to_numpy()
    model = click_factorization(
        u, i, shown["impressions"].to_numpy(float), shown["clicks"].to_numpy(float), 40, 8, 2, 1.0, seed=7
    )
    logit = (
        model.intercept
        + model.user_bias[:, None]
        + model.item_bias[None, :]
        + model.user_factors @ model.item_factors.T
    )
    fitted = 1 / (1 + np.exp(-logit))
    liked = (np.arange(40)[:, None] < 20) == (np.arange(8)[None, :] < 4)
    in_group = (u < 20) == (i < 4)
    for group in (True, False):  # each group's mean fitted probability is its observed click rate
        rate = shown["clicks"][in_group == group].sum() / shown["impressions"][in_group == group].sum()
        assert fitted[liked == group].mean() == pytest.approx(rate, abs=0.01)
    assert np.abs(fitted - np.where(liked, 0.6, 0.1)).mean() < 0.07  # each pair near its truth
    affinity = model.user_factors @ model.item_factors.T
    assert (affinity[:20, :4].min() > affinity[:20, 4:].max()) and (affinity[20:, 4:].min() > affinity[20:, :4].max())


def test_click_factorization_does_not_take_exposure_for_taste() -> None:
    """Item a is shown ten times as often as item b and clicked at the same rate: engagement counts
    favour a, the click model does not (what the platform shows is not what the user likes)."""
    from recwarehouse.collaborative import click_factorization

    users = np.repeat(np.arange(50), 2)
    items = np.tile([0, 1], 50)
    shown = np.tile([100.0, 10.0], 50)
    clicks = np.tile([20.0, 2.0], 50)
    model = click_factorization(users, items, shown, clicks, 50, 2, 2, 1.0, seed=1)
    scores = model.item_bias + (model.user_factors @ model.item_factors.T)
    assert np.abs(scores[:, 0] - scores[:, 1]).max() < 0.05
    assert 1 / (1 + np.exp(-(model.intercept + model.item_bias[0] + model.user_bias.mean()))) == pytest.approx(
        0.2, abs=0.01
    )


def test_click_affinity_never_reads_the_target_week_and_ignores_row_order() -> None:
    """Rows of week T and later change nothing of week T's features (nor of earlier weeks'); the
    features come out bit for bit the same whatever the row order; 0 factors turn them off."""
    from recwarehouse.collaborative import as_of_click_affinity

    weeks = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"])
    shown = _shown_log(np.random.default_rng(4), weeks[:3])
    pairs = pd.DataFrame(
        {
            "target_week": np.repeat(weeks[1:3], 10),
            "user_id": [f"u{u:02d}" for u in range(0, 40, 4)] * 2,
            "item_id": [f"t{u % 8}" for u in range(10)] * 2,
        }
    )
    before = as_of_click_affinity(shown[shown["event_week"] < weeks[2]], pairs, 0.8, 2, 5.0, seed=42)
    after = as_of_click_affinity(shown, pairs, 0.8, 2, 5.0, seed=42)
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    assert before["cf_click_affinity"].abs().max() > 0.1  # a fitted signal, not zeros
    shuffled = as_of_click_affinity(
        shown.sample(frac=1, random_state=1), pairs.sample(frac=1, random_state=2), 0.8, 2, 5.0, seed=42
    )
    key = ["target_week", "user_id", "item_id"]
    pd.testing.assert_frame_equal(
        before.sort_values(key).reset_index(drop=True),
        shuffled.sort_values(key).reset_index(drop=True),
        check_exact=True,
    )
    off = as_of_click_affinity(shown, pairs, 0.8, 0, 5.0, seed=42)
    assert (off[["cf_click_affinity", "cf_click_score"]] == 0).all().all()


def test_click_affinity_on_a_user_sample_folds_the_others_in() -> None:
    """With more users than `max_users`, trainers are fitted on a seeded sample of users: the
    sampled users' features are exactly those of a run on their rows alone, and the users folded
    in against those trainers still show their planted taste."""
    from recwarehouse.collaborative import as_of_click_affinity
    from recwarehouse.hashing import seeded_units

    weeks = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"])
    shown = _shown_log(np.random.default_rng(6), weeks[:3])
    users = np.array(sorted(shown["user_id"].unique()), dtype=object)
    sample = set(users[np.argsort(seeded_units(users, 42), kind="stable")[:20]])
    pairs = pd.DataFrame(
        [(weeks[3], u, f"t{i}") for u in users for i in range(8)], columns=["target_week", "user_id", "item_id"]
    )
    got = as_of_click_affinity(shown, pairs, 0.8, 2, 1.0, seed=42, max_users=20)
    newcomers = _shown_log(np.random.default_rng(7), weeks[3:], users=60).assign(user_id=lambda f: "n" + f["user_id"])
    later = as_of_click_affinity(pd.concat([shown, newcomers]), pairs, 0.8, 2, 1.0, seed=42, max_users=20)
    pd.testing.assert_frame_equal(got, later, check_exact=True)  # users of week T on do not move the sample
    alone = as_of_click_affinity(
        shown[shown["user_id"].isin(sample)], pairs[pairs["user_id"].isin(sample)], 0.8, 2, 1.0, seed=42
    )
    sampled = got[got["user_id"].isin(sample)].reset_index(drop=True)
    pd.testing.assert_frame_equal(sampled, alone.reset_index(drop=True), check_exact=True)
    folded = got[~got["user_id"].isin(sample)]
    assert len(folded) == 20 * 8
    likes = (folded["user_id"].str[1:].astype(int) < 20) == (folded["item_id"].str[1:].astype(int) < 4)
    per_user = folded.assign(likes=likes).groupby(["user_id", "likes"])["cf_click_affinity"].mean().unstack()
    assert (per_user[True] > per_user[False]).all()  # every folded-in user prefers their own half


def test_fold_in_solves_each_users_problem_exactly_whatever_the_start_and_blocks(monkeypatch) -> None:
    """The fold-in's users are the minimum of their own loss: the gradient (computed pair by pair
    here) is zero there, the same minimum from zeros or from far away, in one block or many; one
    user with an item whose factors are zero gets no factor and the bias that solves
    n * sigmoid(offset + b) - c + 0.1 b = 0 (found by bisection)."""
    from recwarehouse import collaborative
    from recwarehouse.collaborative import CLICK_USER_BIAS_REGULARIZATION, _fold_in_users

    rng = np.random.default_rng(3)
    n_users, factors, reg = 30, 3, 2.0
    u = np.sort(rng.integers(0, n_users, 400))
    u[:n_users] = np.arange(n_users)  # every user has pairs
    u = np.sort(u)
    item_factors = rng.normal(0, 1, (400, factors))
    offset = rng.normal(-1, 0.5, 400)
    shown = rng.uniform(0.5, 20, 400)
    clicked = shown * rng.uniform(0, 1, 400) * (rng.uniform(size=400) < 0.7)  # some users click nothing
    x, b = _fold_in_users(u, item_factors, offset, shown, clicked, np.zeros((n_users, factors)), np.zeros(n_users), reg)
    for user in range(n_users):
        rows = u == user
        z = offset[rows] + item_factors[rows] @ x[user] + b[user]
        r = shown[rows] / (1 + np.exp(-z)) - clicked[rows]
        assert np.abs(item_factors[rows].T @ r + reg * x[user]).max() < 1e-7
        assert abs(r.sum() + CLICK_USER_BIAS_REGULARIZATION * b[user]) < 1e-7
    far = _fold_in_users(u, item_factors, offset, shown, clicked, rng.normal(0, 5, (n_users, factors)),
                         rng.normal(0, 5, n_users), reg)  # fmt: skip
    np.testing.assert_allclose(far[0], x, atol=1e-8)
    np.testing.assert_allclose(far[1], b, atol=1e-8)
    monkeypatch.setattr(collaborative, "CLICK_FOLD_IN_BLOCK_PAIRS", 7)  # many blocks, some of one user
    blocks = _fold_in_users(
        u, item_factors, offset, shown, clicked, np.zeros((n_users, factors)), np.zeros(n_users), reg
    )
    np.testing.assert_allclose(blocks[0], x, atol=1e-9)
    np.testing.assert_allclose(blocks[1], b, atol=1e-9)

    one = _fold_in_users(np.array([0]), np.zeros((1, 2)), np.array([-0.5]), np.array([12.0]), np.array([9.0]),
                         np.ones((1, 2)), np.zeros(1), reg)  # fmt: skip
    lo, hi = -20.0, 20.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (
            (mid, hi) if 12.0 / (1 + np.exp(0.5 - mid)) - 9.0 + CLICK_USER_BIAS_REGULARIZATION * mid < 0 else (lo, mid)
        )
    assert np.abs(one[0]).max() < 1e-12
    assert one[1][0] == pytest.approx(lo, abs=1e-9)


def test_collaborative_candidates_by_hand_and_as_of() -> None:
    """The top-n item-kNN candidates equal the neighbour scores of every item, ranked (ties by item
    id, zero scores left out), never read week T, and do not depend on row order or chunking."""
    from scipy import sparse

    from recwarehouse import collaborative

    weeks = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19"])
    # a and b are co-engaged (u1, u2); c only by u3: u1 (history a) gets b, then nothing (c scores 0)
    history = pd.DataFrame(
        {"user_id": ["u1", "u2", "u2", "u3"], "item_id": ["a", "a", "b", "c"], "event_week": weeks[[0, 0, 1, 0]]}
    )
    users = pd.DataFrame({"target_week": weeks[2], "user_id": ["u1", "u3", "u4"]})
    got = collaborative.as_of_collaborative_candidates(history, users, decay=0.5, n=5)
    # weights decay^(weeks before T - 1): u1 a 0.5; u2 a 0.5, b 1; u3 c 0.5. Columns a = (0.5, 0.5, 0),
    # b = (0, 1, 0): cosine 0.5 / sqrt(0.5) = 1 / sqrt(2), and u1's score for b is that (one item);
    # a itself is u1's own item: its similarity to itself is 0 (the diagonal), so it is left out;
    # u3 (history c) has no co-engaged item; u4 has no history
    assert got[["user_id", "item_id", "cf_rank"]].values.tolist() == [["u1", "b", 1]]
    assert got["cf_similarity"].iloc[0] == pytest.approx(round(1 / np.sqrt(2), 9))
    later = pd.DataFrame({"user_id": ["u1", "u3"], "item_id": ["c", "a"], "event_week": weeks[[2, 2]]})
    after = collaborative.as_of_collaborative_candidates(pd.concat([history, later]), users, 0.5, 5)
    pd.testing.assert_frame_equal(got, after)

    rng = np.random.default_rng(2)
    dense = (rng.random((50, 9)) < 0.3) * rng.random((50, 9))
    matrix = sparse.csr_matrix(dense)
    sim = collaborative.item_cosine(matrix)
    all_users = np.arange(50)
    old_chunk, collaborative.USER_CHUNK = collaborative.USER_CHUNK, 7  # many chunks
    try:
        u, i, score, rank = collaborative.top_neighbours(matrix, sim, all_users, 3)
    finally:
        collaborative.USER_CHUNK = old_chunk
    every = np.round(
        collaborative.neighbour_scores(matrix, sim, np.repeat(all_users, 9), np.tile(np.arange(9), 50)), 9
    ).reshape(50, 9)
    for user in range(50):
        order = sorted(range(9), key=lambda item: (-every[user, item], item))
        expected = [item for item in order if every[user, item] > 0][:3]
        assert i[u == user].tolist() == expected
        assert rank[u == user].tolist() == list(range(1, len(expected) + 1))
        assert score[u == user] == pytest.approx(every[user, expected], abs=1e-9)


def _weekly_log(seed: int, users: int = 60, items: int = 8) -> pd.DataFrame:
    """Weekly rows (user_id, item_id, event_week, is_engaged, impressions, clicks) over four weeks,
    users joining over time."""
    rng = np.random.default_rng(seed)
    weeks = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"])
    shown = _shown_log(rng, weeks[:3], users=users, items=items)
    shown = shown[rng.random(len(shown)) < 0.6]
    joined = shown["user_id"].str[1:].astype(int) % 3  # a third of the users from each week on
    shown = shown[shown["event_week"] >= weeks[joined.to_numpy()]]
    return shown.assign(is_engaged=shown["clicks"] > 0).reset_index(drop=True)


def test_collaborative_scoring_is_the_same_whatever_the_groups_of_users() -> None:
    """The candidates are scored a group of users at a time (on Spark, a partition at a time): any
    split of the users into groups, each with its own users' rows, gives the same features as one
    group, fold-ins included (a sample of 15 users)."""
    from recwarehouse.collaborative import fit_collaborative, score_candidates, week_samples

    rows = _weekly_log(8)
    weeks = pd.to_datetime(["2026-01-12", "2026-01-19", "2026-01-26"])
    users = sorted(rows["user_id"].unique())
    pairs = pd.DataFrame(
        [(w, u, f"t{i}") for w in weeks for u in users for i in range(0, 8, 3)],
        columns=["target_week", "user_id", "item_id"],
    )
    sample = week_samples(rows, weeks, 15, seed=3)
    assert sample.groupby("target_week").size().max() == 15  # the cap binds: others are folded in
    models = fit_collaborative(rows, sample, rows["item_id"], weeks, 0.8, 3, 2, 1.0, seed=3)
    every = pd.concat([pairs.assign(part="pair"), rows.assign(part="history")], ignore_index=True)
    one = score_candidates(models, every)
    groups = []
    for k in range(3):
        mine = [u for j, u in enumerate(users) if j % 3 == k]
        groups.append(score_candidates(models, every[every["user_id"].isin(mine)]))
    key = ["target_week", "user_id", "item_id"]
    split = pd.concat(groups).sort_values(key).reset_index(drop=True)
    one = one.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        one[key + ["cf_similarity", "cf_svd_score"]], split[key + ["cf_similarity", "cf_svd_score"]]
    )
    for name in ("cf_click_affinity", "cf_click_score"):
        assert np.abs(one[name] - split[name]).max() <= 2e-9  # a fold-in's last Newton step: below the 9 decimals
    assert one["cf_click_affinity"].abs().max() > 0.05 and one["cf_similarity"].max() > 0.05


def test_the_sample_sql_finds_the_sample_of_week_samples() -> None:
    """`SAMPLE_SQL`, run by DuckDB where the rows are, picks the users `week_samples` picks: per
    target week the users with a row before T, the `max_users` smallest seeded hashes."""
    import duckdb

    from recwarehouse.collaborative import SAMPLE_SQL, week_samples
    from recwarehouse.engine import DuckDBTables

    rows = _weekly_log(9)
    weeks = pd.DataFrame({"target_week": pd.to_datetime(["2026-01-12", "2026-01-19", "2026-01-26"])})
    connection = duckdb.connect()
    data = DuckDBTables(None, connection)
    connection.from_df(rows.assign(event_week=rows["event_week"].dt.date)).create("weekly")
    connection.from_df(weeks).create("weeks")
    weekly = connection.table("weekly")
    for max_users in (7, 25, 1000):
        query = SAMPLE_SQL.replace("{hash}", data.seeded_hash("first_seen.user_id", 5))
        found = data.read(
            data.sql(query.replace("{max_users}", str(max_users)), weekly=weekly, weeks=connection.table("weeks")),
            order="target_week, user_id",
        )
        expected = week_samples(rows, weeks["target_week"], max_users, 5).sort_values(["target_week", "user_id"])
        assert found.values.tolist() == expected.values.tolist()
    assert len(found) < 3 * rows["user_id"].nunique()  # users who joined later are not in early weeks
