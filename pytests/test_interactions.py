"""The interactions path's models and evaluation, against hand-computed and independent results."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.linalg import lapack
from sklearn.metrics.pairwise import cosine_similarity

from recwarehouse import thread_limit
from recwarehouse.interactions.matrix import (
    Fold,
    repeat_weight,
    scored_chunks,
    top_entries_per_row,
    top_n_rows,
    top_n_sparse_rows,
)
from recwarehouse.interactions.models import (
    FirstStage,
    FoldTargets,
    ListBuilder,
    build_folds,
    ease_skip_reason,
    ease_weights,
    evaluate_lists,
    fit_model,
    global_top_n,
    itemknn_weights,
    model_id,
    registry_rows,
    scorer,
    skipped_models,
)

X = np.array(
    [
        [1, 1, 0, 0],
        [1, 0, 1, 0],
        [0, 1, 1, 1],
        [1, 1, 1, 0],
        [0, 0, 1, 1],
    ],
    dtype=float,
)


def test_ease_matches_a_ridge_regression_per_item() -> None:
    # independent computation: each column j regressed on the other columns with an L2 penalty,
    # b_{-j,j} = (X_{-j}' X_{-j} + lambda I)^-1 X_{-j}' x_j, b_jj = 0 -- EASE's closed form
    lam = 2.0
    b = ease_weights(sp.csr_matrix(X), lam)
    assert b.dtype == np.float32
    for j in range(X.shape[1]):
        others = [c for c in range(X.shape[1]) if c != j]
        xo = X[:, others]
        expected = np.linalg.solve(xo.T @ xo + lam * np.eye(len(others)), xo.T @ X[:, j])
        assert b[others, j] == pytest.approx(expected, abs=1e-6)
        assert b[j, j] == 0.0
    with pytest.raises(ValueError, match="lambda"):
        ease_weights(X, 0.0)


def test_ease_is_the_same_bit_for_bit_while_other_models_change_the_thread_setting() -> None:
    # dbt runs Python models side by side in one process, and the BLAS thread setting is the
    # process's: a model beside EASE entering or leaving its `thread_limit` must not reach EASE's
    # factorisation, whose sums go in another order on two threads
    rng = np.random.default_rng(5)
    x = sp.random(3000, 1500, density=0.03, format="csr", random_state=rng, dtype=np.float32)
    x.data[:] = 1.0
    reference = ease_weights(x, 50.0)
    gram = np.asfortranarray((x.T @ x).toarray())
    gram[np.diag_indices(gram.shape[0])] += np.float32(50.0)
    with thread_limit(2):  # the premise: two threads factorise to other bits
        two = lapack.spotri(lapack.spotrf(gram, lower=0, clean=0)[0], lower=0)[0]
    with thread_limit(1):
        one = lapack.spotri(lapack.spotrf(gram, lower=0, clean=0)[0], lower=0)[0]
    assert not np.array_equal(np.triu(one), np.triu(two))

    done = threading.Event()

    def beside() -> None:  # another model, entering and leaving its own settings over and over
        while not done.is_set():
            with thread_limit(2):
                time.sleep(0.0005)
            with thread_limit(1):
                time.sleep(0.0005)

    other = threading.Thread(target=beside)
    other.start()
    try:
        again = [ease_weights(x, 50.0) for _ in range(4)]
    finally:
        done.set()
        other.join()
    for b in again:
        assert np.array_equal(b, reference)


def test_itemknn_is_cosine_with_a_zero_diagonal() -> None:
    sim = itemknn_weights(X).toarray()
    expected = cosine_similarity(X.T)
    np.fill_diagonal(expected, 0.0)
    assert sim == pytest.approx(expected)
    # by hand: items 0 and 1 share users 0 and 3; |x0| = |x1| = sqrt(3) -> 2 / 3
    assert sim[0, 1] == pytest.approx(2 / 3)


def test_itemknn_keeps_each_items_k_most_similar() -> None:
    full = itemknn_weights(X).toarray()
    top1 = itemknn_weights(X, k=1).toarray()
    assert ((top1 > 0).sum(axis=1) <= 1).all()
    for i in range(X.shape[1]):  # the one kept is the row's largest similarity
        kept = np.flatnonzero(top1[i])
        assert full[i, kept[0]] == pytest.approx(full[i].max())


def test_top_n_skips_seen_items_and_breaks_ties_by_item() -> None:
    scores = np.array([[0.5, 0.9, 0.5, 0.1], [0.2, 0.2, 0.2, 0.2]])
    seen = sp.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32))
    order, values = top_n_rows(scores, seen, 3)
    assert order.tolist() == [[0, 2, 3], [0, 1, 3]]
    assert values[0].tolist() == [0.5, 0.5, 0.1]
    # fewer unseen items than n: the rest are -inf and dropped downstream
    order, values = top_n_rows(scores[:1], sp.csr_matrix(np.array([[1, 1, 1, 0]], dtype=np.float32)), 3)
    assert order[0, 0] == 3 and np.isinf(values[0, 1:]).all()


@pytest.mark.parametrize(
    ("kind", "n"),
    [("few values", 7), ("mostly zeros", 7), ("mostly zeros", 12), ("normal", 7), ("few values", 45)],
)
def test_top_n_matches_a_full_stable_sort_with_many_ties(kind: str, n: int) -> None:
    # few values: ties at every cut; mostly zeros: kNN rows with fewer non-zero scores than n, so
    # the cut is a run of zeros; n = 45 > 40 columns: every unseen column, in order
    rng = np.random.default_rng(3)
    if kind == "few values":
        scores = rng.integers(0, 4, size=(50, 40)).astype(np.float32)
    elif kind == "mostly zeros":
        scores = np.where(rng.random((50, 40)) < 0.1, rng.random((50, 40)), 0.0).astype(np.float32)
    else:
        scores = rng.standard_normal((50, 40))
    seen = sp.random(50, 40, density=0.2, random_state=4, format="csr")
    cols, values = top_n_rows(scores, seen, n)
    masked = np.where(seen.toarray() > 0, -np.inf, scores)
    expected = np.argsort(-masked, axis=1, kind="stable")[:, : min(n, 40)]
    assert cols.tolist() == expected.tolist()
    assert values.tolist() == np.take_along_axis(masked, expected, axis=1).astype(np.float64).tolist()
    # a block in Fortran order handed over as scratch space gives the same lists
    cols_f, _ = top_n_rows(np.asfortranarray(scores), seen, n, overwrite=True)
    assert cols_f.tolist() == expected.tolist()


@pytest.mark.parametrize("kind", ["normal", "few values", "mostly zeros", "best columns last"])
def test_top_n_on_wide_rows_bounds_the_cut_and_gives_the_same_lists(kind: str, monkeypatch) -> None:
    """Rows at least 4 x BOUND_COLUMNS wide take their cut from the columns that reach a bound
    found on their first columns: the same lists as a full stable sort, also when the bound is
    loose (the best columns last), on ties and with most of a row seen."""
    from recwarehouse.interactions import matrix

    monkeypatch.setattr(matrix, "BOUND_COLUMNS", 64)
    rng = np.random.default_rng(5)
    shape = (30, 700)
    if kind == "normal":
        scores = rng.standard_normal(shape).astype(np.float32)
    elif kind == "few values":
        scores = rng.integers(0, 3, size=shape).astype(np.float32)
    elif kind == "mostly zeros":
        scores = np.where(rng.random(shape) < 0.01, rng.random(shape), 0.0).astype(np.float32)
    else:
        scores = np.sort(rng.standard_normal(shape), axis=1)
    seen = sp.random(*shape, density=0.3, random_state=6, format="csr")
    seen = sp.vstack([seen[:-1], sp.csr_matrix(np.ones((1, shape[1])))]).tocsr()  # the last row: all seen
    masked = np.where(seen.toarray() > 0, -np.inf, scores)
    for n in (1, 10, 40):
        cols, values = top_n_rows(scores, seen, n)
        expected = np.argsort(-masked, axis=1, kind="stable")[:, :n]
        assert cols.tolist() == expected.tolist()
        assert values.tolist() == np.take_along_axis(masked, expected, axis=1).astype(np.float64).tolist()


def test_sparse_top_n_equals_the_dense_one_on_random_blocks() -> None:
    """kNN's sparse path: the same columns and scores as `top_n_rows` on the dense block, whatever
    the ties, the seen items, rows shorter than n (zeros in column order) or rows with every column
    seen (-inf padding)."""
    rng = np.random.default_rng(0)
    for case in range(300):
        n_rows, m = int(rng.integers(1, 40)), int(rng.integers(1, 60))
        scores = sp.random(n_rows, m, density=rng.choice([0.02, 0.1, 0.5, 0.9]), random_state=case, format="csr")
        scores = scores.astype(np.float32)
        if case % 3:  # few distinct values: ties everywhere, also at the cut
            scores.data = np.ceil(scores.data * (case % 3 + 1)).astype(np.float32)
        seen = sp.random(n_rows, m, density=rng.choice([0.0, 0.1, 0.5, 0.95]), random_state=case + 1000, format="csr")
        n = int(rng.integers(1, 70))
        dense_cols, dense_vals = top_n_rows(scores.toarray(), seen, n)
        cols, vals = top_n_sparse_rows(scores, seen, n)
        assert np.array_equal(cols, dense_cols), case
        assert np.array_equal(vals, dense_vals), case


def test_top_entries_per_row_by_hand() -> None:
    scores = sp.csr_matrix(np.array([[0, 3, 1, 3, 2], [5, 0, 0, 0, 0], [1, 1, 1, 1, 0]], dtype=np.float32))
    rows, cols, vals = top_entries_per_row(scores, 2)
    # row 0: 3 at columns 1 and 3; row 1: its one entry; row 2: four ties -> the two smallest columns
    assert rows.tolist() == [0, 0, 1, 2, 2]
    assert cols.tolist() == [1, 3, 0, 0, 1]
    assert vals.tolist() == [3, 3, 5, 1, 1]
    # a sparse product's rows need not have their columns in order: the same entries
    shuffled = sp.csr_matrix(
        (scores.data[[1, 0, 2, 3, 4, 7, 6, 5, 8]], scores.indices[[1, 0, 2, 3, 4, 7, 6, 5, 8]], scores.indptr),
        shape=scores.shape,
    )
    assert shuffled.indices.tolist() != scores.indices.tolist()
    assert [a.tolist() for a in top_entries_per_row(shuffled, 2)] == [rows.tolist(), cols.tolist(), vals.tolist()]


def test_itemknn_neighbours_are_the_k_best_with_ties_to_the_smaller_item() -> None:
    x = sp.random(300, 40, density=0.08, random_state=2, format="csr")
    x.data[:] = 1.0  # binary: many equal cosines
    full = itemknn_weights(x).toarray()
    for k in (1, 3, 10):
        kept = itemknn_weights(x, k=k).toarray()
        for i in range(full.shape[0]):
            positive = np.flatnonzero(full[i] > 0)
            expected = positive[np.argsort(-full[i, positive], kind="stable")][:k]
            assert np.flatnonzero(kept[i]).tolist() == sorted(expected.tolist())
            assert kept[i, expected] == pytest.approx(full[i, expected])


def test_neighbours_cut_from_a_wider_fit_are_the_fit_with_fewer() -> None:
    from recwarehouse.interactions.models import keep_neighbours

    x = sp.csr_matrix(np.random.default_rng(4).integers(0, 2, (50, 30)).astype(float))
    wide = itemknn_weights(x, k=12)
    for k in (1, 3, 7, 12):
        cut, direct = keep_neighbours(wide, k), itemknn_weights(x, k=k)
        assert (cut != direct).nnz == 0 and np.array_equal(cut.indices, direct.indices)


def _history(seed: int, users: int = 120, items: int = 60, rows: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "user_id": [f"u{x:03d}" for x in rng.integers(0, users, rows)],
            "item_id": [f"i{x:03d}" for x in (rng.zipf(1.5, rows) % items)],
        }
    )
    frame["recency_rank"] = frame.groupby("user_id").cumcount(ascending=False)
    return frame


@pytest.mark.parametrize(
    "model, params", [("ease", {"lambda": 50.0, "tau": 3.0}), ("itemknn", {"neighbours": 1000, "tau": 0.0})]
)
def test_sparse_chunked_top_n_equals_the_dense_one_shot_computation(model, params) -> None:
    fold = Fold.from_history(_history(1), "binary")
    fitted = fit_model(model, fold, params, seed=0)
    # dense reference: X as a numpy array, profile weights by hand, one product, a full stable sort
    dense = fold.x.toarray().astype(np.float64)
    recency = fold.recency.toarray() - 1.0
    profile = dense * (np.exp(-recency / params["tau"]) if params["tau"] else 1.0)
    weights = fitted if isinstance(fitted, np.ndarray) else fitted.toarray()
    reference = profile @ weights.astype(np.float64)
    masked = np.where(dense > 0, -np.inf, reference)
    one_chunk_mb, sixteen_rows_mb = 1e6, 16 * fold.shape[1] * 12 / 2**20
    results = []
    for memory_mb in (one_chunk_mb, sixteen_rows_mb):
        chunks = list(scored_chunks(fold, scorer(model, fold, params, fitted), 10, memory_mb))
        assert len(chunks) == (1 if memory_mb == one_chunk_mb else -(-fold.shape[0] // 16))
        results.append((np.vstack([c for _, c, _ in chunks]), np.vstack([v for _, _, v in chunks])))
    assert np.array_equal(results[0][0], results[1][0])  # chunked == one-shot, exactly
    cols, vals = results[0]
    for r in range(fold.shape[0]):
        finite = np.isfinite(vals[r])
        expected = np.argsort(-masked[r], kind="stable")[: finite.sum()]
        # float32 model vs float64 reference: the same scores in the same order (to 1e-4)
        assert reference[r, cols[r, finite]] == pytest.approx(reference[r, expected], abs=1e-4)


def test_global_scores_give_each_user_the_best_unseen_items() -> None:
    fold = Fold.from_history(_history(2), "binary")
    values = np.random.default_rng(5).integers(0, 9, fold.shape[1]).astype(float)
    chunks = list(global_top_n(fold, values, 8, exclude_seen=True, memory_mb=0.01))
    assert len(chunks) > 1
    cols = np.vstack([c for _, c, _ in chunks])
    full, _ = top_n_rows(np.tile(values, (fold.shape[0], 1)), fold.x, 8)
    assert cols.tolist() == full.tolist()


def test_repeats_collapse_into_one_weighted_entry_with_the_latest_position() -> None:
    history = pd.DataFrame({"user_id": ["u"] * 4, "item_id": ["a", "b", "a", "c"], "recency_rank": [3, 2, 1, 0]})
    for rule, expected_a in [("binary", 1.0), ("count", 2.0), ("log", 1.0 + np.log(2.0))]:
        fold = Fold.from_history(history, rule)
        assert fold.x.nnz == 3
        assert fold.x.toarray()[0].tolist() == pytest.approx([expected_a, 1.0, 1.0])
    # distinct-item recency: c is the latest (0), then a (its latest play), then b
    assert (fold.recency.toarray()[0] - 1).tolist() == [1.0, 2.0, 0.0]
    assert fold.profile(1.0).toarray()[0] == pytest.approx(fold.x.toarray()[0] * np.exp(-np.array([1, 2, 0])))
    with pytest.raises(ValueError, match="interactions_repeat_weight"):
        repeat_weight(np.array([1]), "square")


def test_profile_weighs_recent_interactions_more() -> None:
    history = pd.DataFrame({"user_id": ["u", "u", "u"], "item_id": ["a", "b", "c"], "recency_rank": [2, 1, 0]})
    fold = Fold.from_history(history, "binary")
    assert fold.profile(0).toarray().tolist() == [[1.0, 1.0, 1.0]]
    assert fold.profile(5).toarray()[0] == pytest.approx(np.exp(-np.array([2, 1, 0]) / 5))


def test_fold_ndcg_on_codes_equals_the_metrics_module() -> None:
    fold = Fold.from_history(_history(6), "binary")
    rng = np.random.default_rng(7)
    targets = pd.DataFrame(
        {"user_id": rng.choice(fold.users, 200), "item_id": [f"i{x:03d}" for x in rng.integers(0, 70, 200)]}
    )  # some target items (i060-i069) are outside the fold: they count but cannot be hit
    targets = targets.drop_duplicates().reset_index(drop=True)
    params = {"lambda": 20.0, "tau": 0.0}
    block = scorer("ease", fold, params, fit_model("ease", fold, params, 0))
    chunks = list(scored_chunks(fold, block, 10, 0.05))
    fast = FoldTargets(fold, targets).ndcg(chunks, 10)
    lists = ListBuilder({"validation": fold})
    lists.add("validation", "ease", "{}", iter(chunks))
    frame = lists.frame().astype({"user_id": str, "item_id": str, "fold": str, "model": str, "model_id": str})
    slow = evaluate_lists(frame, targets.assign(fold="validation"), 10)["ndcg_at_k"].mean()
    assert fast == pytest.approx(slow, abs=1e-12)


def test_implicit_models_are_deterministic_for_a_seed() -> None:
    fold = Fold.from_history(_history(8), "binary")
    for model, params in [
        ("als", {"factors": 8, "regularization": 0.05, "alpha": 1.0, "iterations": 3}),
        ("bpr", {"factors": 8, "learning_rate": 0.05, "regularization": 0.01, "iterations": 5}),
    ]:
        a, b = (fit_model(model, fold, params, seed=11) for _ in range(2))
        assert np.array_equal(a.item_factors, b.item_factors) and np.array_equal(a.user_factors, b.user_factors)


def _relabelled(history: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, dict, dict]:
    """The same rows with every user and item id replaced through a seeded bijection."""
    rng = np.random.default_rng(seed)
    users, items = history["user_id"].unique(), history["item_id"].unique()
    to_user = dict(zip(users, [f"x{n}" for n in rng.permutation(len(users))], strict=True))
    to_item = dict(zip(items, [f"y{n}" for n in rng.permutation(len(items))], strict=True))
    return (
        history.assign(user_id=history["user_id"].map(to_user), item_id=history["item_id"].map(to_item)),
        to_user,
        to_item,
    )


@pytest.mark.parametrize(
    "model, params",
    [
        ("als", {"factors": 8, "regularization": 0.05, "alpha": 1.0, "iterations": 5}),
        ("bpr", {"factors": 8, "learning_rate": 0.05, "regularization": 0.01, "iterations": 5}),
    ],
)
def test_implicit_models_fit_the_same_factors_whatever_the_ids(model, params) -> None:
    # relabelling reorders the matrix (ids are indexed in sorted order): fitted in the log's order
    # of users and items, the factors are the same bit for bit
    history = _history(8).assign(fold="serve")
    history["log_row"] = np.arange(1, len(history) + 1)
    relabelled, to_user, to_item = _relabelled(history, 3)
    one, two = build_folds(history, "log")["serve"], build_folds(relabelled, "log")["serve"]
    a, b = fit_model(model, one, params, seed=11), fit_model(model, two, params, seed=11)
    at_user = np.searchsorted(two.users, [to_user[u] for u in one.users])
    at_item = np.searchsorted(two.items, [to_item[i] for i in one.items])
    assert np.array_equal(a.user_factors, b.user_factors[at_user])
    assert np.array_equal(a.item_factors, b.item_factors[at_item])
    # without the log's order, the fit follows the ids
    one.user_first = one.item_first = two.user_first = two.item_first = None
    a, b = fit_model(model, one, params, seed=11), fit_model(model, two, params, seed=11)
    assert not np.allclose(a.item_factors, b.item_factors[at_item], atol=1e-3)


def test_ease_and_bayes_average_are_skipped_with_a_reason() -> None:
    assert ease_skip_reason(1000, 4.0) is None  # 1,000^2 x 4 bytes = 3.8 MB
    reason = ease_skip_reason(2000, 4.0)
    assert "2,000 items needs 15 MB" in reason and "ease_max_memory_mb" in reason
    scores = pd.DataFrame({"fold": ["test", "test", "serve"], "item_id": ["a", "b", "a"], "bayes_average_rating": None})
    skipped = {s["model"]: s["reason"] for s in skipped_models(scores, FirstStage(ease_max_memory_mb=4.0))}
    assert "no ratings" in skipped["bayes_average"] and "ease" not in skipped
    skipped = skipped_models(scores.assign(bayes_average_rating=4.0), FirstStage(ease_max_memory_mb=1e-6))
    assert [s["model"] for s in skipped] == ["ease", "ease_no_decay"]
    left_out = FirstStage(models=("popularity", "itemknn", "als"))
    reasons = {s["model"]: s["reason"] for s in skipped_models(scores.assign(bayes_average_rating=4.0), left_out)}
    assert set(reasons) == {"bayes_average", "recency_popularity", "ease", "ease_no_decay", "bpr"}
    assert reasons["bpr"] == "bpr left out: not in var interactions_models"


def test_evaluate_lists_by_hand() -> None:
    # user u: targets {b, d}; list a, b, c (K = 3): hit at rank 2
    #   P = 1/3, R = 1/2, NDCG = (1/log2 3) / (1 + 1/log2 3), AP = (1/2) / min(2, 3)
    # user v: target {x}, no list at all -> zeros
    lists = pd.DataFrame(
        {
            "fold": "test",
            "model": "m",
            "model_id": "m-1",
            "user_id": ["u", "u", "u", "u"],
            "item_id": ["a", "b", "c", "d"],
            "rank": [1, 2, 3, 4],
        }
    )
    targets = pd.DataFrame({"fold": "test", "user_id": ["u", "u", "v"], "item_id": ["b", "d", "x"]})
    out = evaluate_lists(lists, targets, ks=3).set_index("user_id")
    g = 1 / np.log2(3)
    assert out.loc["u", "precision_at_k"] == pytest.approx(1 / 3)
    assert out.loc["u", "recall_at_k"] == pytest.approx(1 / 2)
    assert out.loc["u", "ndcg_at_k"] == pytest.approx(g / (1 + g))
    assert out.loc["u", "map_at_k"] == pytest.approx(0.25)
    assert out.loc["u", "mrr_at_k"] == pytest.approx(0.5)
    assert out.loc["v", ["precision_at_k", "ndcg_at_k", "hit_rate_at_k"]].tolist() == [0, 0, 0]


def test_registry_marks_the_best_validation_model() -> None:
    summary = pd.DataFrame(
        {
            "fold": ["validation", "validation", "test", "test"],
            "model": ["ease", "popularity"] * 2,
            "model_id": ["ease-1", "popularity-1"] * 2,
            "model_family": ["cf", "baseline"] * 2,
            "split_mode": "per_user",
            "k": 10,
            "precision_at_k": [0.2, 0.1, 0.21, 0.1],
            "recall_at_k": 0.1,
            "ndcg_at_k": [0.24, 0.09, 0.25, 0.11],
            "map_at_k": 0.1,
            "mrr_at_k": 0.2,
            "hit_rate_at_k": 0.5,
            "catalog_coverage": 0.3,
            "gini_exposure": 0.6,
            "mean_item_popularity": 40.0,
            "novelty": 2.0,
            "users_evaluated": 10,
            "fit_seconds": 0.1,
        }
    )
    params = pd.DataFrame({"model_id": ["ease-1", "popularity-1"], "params": ["{}", "{}"]})
    rows = registry_rows(summary, [params], "f" * 64, "run_x").set_index("model")
    assert rows.loc["ease", "is_best_on_validation"] and not rows.loc["popularity", "is_best_on_validation"]
    assert rows.loc["ease", "ndcg_at_k_test"] == 0.25
    assert rows["data_fingerprint"].nunique() == 1
    assert model_id("ease", '{"lambda": 1}') == model_id("ease", '{"lambda": 1}') != model_id("ease", "{}")


def _three_folds():
    """History of a validation, test and serve fold, targets of the first two (test: users u000-u059
    only), and item scores: the inputs of `all_candidates`."""
    history = pd.concat(
        [_history(seed).assign(fold=name) for name, seed in [("validation", 1), ("test", 2), ("serve", 3)]],
        ignore_index=True,
    )
    targets = pd.concat(
        [
            _history(9, rows=300).assign(fold="validation"),
            _history(10, users=60, rows=200).assign(fold="test"),
        ],
        ignore_index=True,
    )[["fold", "user_id", "item_id"]]
    items = history[["fold", "item_id"]].drop_duplicates()
    item_scores = items.assign(
        interactions=items["item_id"].str[1:].astype(float), bayes_average_rating=np.nan, recency_popularity=1.0
    )
    return history, targets, item_scores


def test_every_first_stage_list_is_the_same_whatever_the_ids() -> None:
    # recency_popularity is 1.0 for every item and kNN scores tie often: ties go to the item that
    # first appears earlier in the log, so a relabelling changes no list
    from recwarehouse.interactions.models import all_candidates

    history, targets, item_scores = _three_folds()
    history["log_row"] = np.arange(1, len(history) + 1)
    relabelled, to_user, to_item = _relabelled(history, 4)

    def rename(frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
        return frame.assign(**{c: frame[c].map(lambda v, m=m: m.get(v, f"new-{v}")) for c, m in columns.items()})

    settings = FirstStage(
        n=20, k=5, list_length=10, lambdas=(20.0,), taus=(0.0, 5.0), knn_neighbours=(3, 10),
        als_grid=({"factors": 4, "regularization": 0.05, "alpha": 1.0, "iterations": 3},),
        models=("popularity", "recency_popularity", "itemknn", "ease", "als"),
    )  # fmt: skip
    one = all_candidates(history, targets, item_scores, settings)[0].frame()
    two = all_candidates(
        relabelled,
        rename(targets, {"user_id": to_user, "item_id": to_item}),
        rename(item_scores, {"item_id": to_item}),
        settings,
    )[0].frame()
    one = rename(one, {"user_id": to_user, "item_id": to_item})
    key = ["fold", "model", "user_id", "rank"]
    one, two = one.sort_values(key).reset_index(drop=True), two.sort_values(key).reset_index(drop=True)
    assert len(one) > 1000 and set(one["model"]) == set(settings.models)
    assert one[key + ["item_id"]].equals(two[key + ["item_id"]])
    assert np.allclose(one["score"], two["score"], rtol=1e-5)


def test_validation_and_test_lists_cover_the_users_with_targets_and_serve_lists_everyone() -> None:
    from recwarehouse.interactions.models import all_candidates

    history, targets, item_scores = _three_folds()
    settings = FirstStage(
        n=20, k=5, list_length=10, taus=(0.0,), knn_neighbours=(10,), models=("popularity", "itemknn")
    )
    lists = all_candidates(history, targets, item_scores, settings)[0].frame()
    for fold in ("validation", "test"):
        expected = set(targets.loc[targets["fold"] == fold, "user_id"]) & set(
            history.loc[history["fold"] == fold, "user_id"]
        )
        for model in ("popularity", "itemknn"):
            got = set(lists.loc[(lists["fold"] == fold) & (lists["model"] == model), "user_id"])
            assert got == expected, (fold, model)
    assert (
        len(set(targets.loc[targets["fold"] == "test", "user_id"]))
        < history.loc[history["fold"] == "test", "user_id"].nunique()
    )
    serve = lists[lists["fold"] == "serve"]
    assert serve.groupby("model")["user_id"].nunique().to_dict() == {
        "popularity": history.loc[history["fold"] == "serve", "user_id"].nunique(),
        "itemknn": history.loc[history["fold"] == "serve", "user_id"].nunique(),
    }


def test_ease_without_decay_takes_eases_tau_0_scores_and_fits_its_best_lambda_once(monkeypatch) -> None:
    from recwarehouse.interactions import models as first_stage

    history, targets, item_scores = _three_folds()
    base = dict(n=20, k=5, list_length=10, lambdas=(5.0, 50.0, 500.0), taus=(0.0, 5.0), knn_neighbours=(10,))
    alone = first_stage.all_candidates(history, targets, item_scores, FirstStage(**base, models=("ease_no_decay",)))
    fits = []
    real_fit = first_stage.fit_model
    monkeypatch.setattr(
        first_stage,
        "fit_model",
        lambda model, fold, params, seed: (
            fits.append((model, fold.shape, params)) or real_fit(model, fold, params, seed)
        ),
    )
    both = first_stage.all_candidates(
        history, targets, item_scores, FirstStage(**base, models=("ease", "ease_no_decay"))
    )
    plain = both[0].frame().query("model == 'ease_no_decay'").reset_index(drop=True)
    reference = alone[0].frame().query("model == 'ease_no_decay'").reset_index(drop=True)
    columns = ["fold", "user_id", "item_id", "score", "rank", "params"]
    # the same choice, grid and lists (serve lists only where it could be served: without EASE beside it)
    pd.testing.assert_frame_equal(plain[columns], reference.query("fold != 'serve'").reset_index(drop=True)[columns])
    no_decay_fits = [f for f in fits if f[0] == "ease_no_decay"]
    # three lambdas were scored by EASE at tau 0: only the best is fitted on validation, then on test
    assert len(no_decay_fits) == 2
    assert len([f for f in fits if f[0] == "ease"]) == 3 + 2


def test_a_model_outside_the_pool_behind_a_pool_model_on_validation_has_no_serve_lists(monkeypatch) -> None:
    """BPR (outside the re-ranker's pool) behind item kNN on validation can never be served: it is
    listed on validation and test only, and the run log says why. Alone, or ahead, it keeps them."""
    from recwarehouse.interactions.models import all_candidates, can_serve

    assert can_serve("itemknn", 0.1, ("als", 0.5))  # a pool model always: the re-ranker serves its lists
    assert not can_serve("bpr", 0.1, ("itemknn", 0.2))
    assert can_serve("bpr", 0.2, ("itemknn", 0.2)) and can_serve("bpr", 0.3, ("itemknn", 0.2))
    assert can_serve("bpr", 0.2 - 1e-12, ("itemknn", 0.2))  # a rounding difference is a tie
    assert can_serve("bpr", 0.0, None)  # no pool model built

    from recwarehouse.interactions import models

    said = []
    monkeypatch.setattr(models, "log", said.append)
    history, targets, item_scores = _three_folds()
    weak_bpr = ({"factors": 4, "learning_rate": 1e-6, "regularization": 0.01, "iterations": 1},)
    base = {"n": 20, "k": 5, "list_length": 10, "taus": (0.0,), "knn_neighbours": (10,), "bpr_grid": weak_bpr}
    lists = all_candidates(history, targets, item_scores, FirstStage(**base, models=("itemknn", "bpr")))[0].frame()
    folds = lists.groupby("model")["fold"].agg(set).to_dict()
    assert folds == {"itemknn": {"validation", "test", "serve"}, "bpr": {"validation", "test"}}
    assert any(line.startswith("bpr: no serve-fold lists") and "itemknn's" in line for line in said)
    alone = all_candidates(history, targets, item_scores, FirstStage(**base, models=("bpr",)))[0].frame()
    assert set(alone["fold"]) == {"validation", "test", "serve"}


@pytest.mark.parametrize("bpr_settings", [1, 2])
def test_the_first_stage_lists_are_the_same_on_one_thread_and_with_bpr_fits_alongside(bpr_settings) -> None:
    """With 2 threads BPR's fits run beside the other models (all folds at once when its grid has
    one setting); on 1 thread they run in turn. The lists must not depend on it."""
    from recwarehouse.interactions.models import all_candidates

    history, targets, item_scores = _three_folds()
    grid = tuple(
        {"factors": 8, "learning_rate": lr, "regularization": 0.01, "iterations": 5}
        for lr in (0.05, 0.1)[:bpr_settings]
    )
    settings = FirstStage(
        n=20, k=5, list_length=10, lambdas=(20.0,), taus=(0.0,), knn_neighbours=(10,), bpr_grid=grid,
        als_grid=({"factors": 8, "regularization": 0.05, "alpha": 1.0, "iterations": 3},),
        models=("popularity", "itemknn", "als", "bpr"),
    )  # fmt: skip
    frames = {}
    for n_threads in ("1", "2"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("RECWAREHOUSE_THREADS", n_threads)
            lists, _ = all_candidates(history, targets, item_scores, settings)
        frames[n_threads] = lists.frame().drop(columns="fit_seconds")
    assert set(frames["2"]["model"]) == {"popularity", "itemknn", "als", "bpr"}
    assert set(frames["2"]["fold"]) == {"validation", "test", "serve"}
    pd.testing.assert_frame_equal(frames["1"], frames["2"])


def test_the_fingerprint_is_the_same_whatever_the_engine_batches_and_order_and_follows_the_rows() -> None:
    """The fingerprint is computed where the rows are, batch by batch (`row_hash_sums` through the
    engine's `map_batches`): any batching, any row order and DuckDB's own types give the frame's
    fingerprint; a changed value, a missing or a repeated row give another."""
    import duckdb

    from recwarehouse import engine
    from recwarehouse.engine import DuckDBTables
    from recwarehouse.interactions.models import FINGERPRINT_SCHEMA, data_fingerprint, row_hash_sums

    con = duckdb.connect()
    frame = pd.DataFrame(
        {
            "fold": ["test", "validation", "test", "test"],
            "user_id": ["u2", "u1", "u10", None],
            "item_id": ["9", "10", "9", "3"],
            "event_at": pd.to_datetime(
                ["2024-01-02 10:00:00", "2024-01-01 00:00:00", "2024-01-03 00:00:00", "2024-01-01 00:00:01"]
            ),
        }
    )
    con.from_df(frame.iloc[::-1].reset_index(drop=True)).create("folds")  # another row order
    data = DuckDBTables(None, con)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "BATCH_ROWS", 3)  # two batches
        parts = data.map_batches(con.table("folds"), row_hash_sums, FINGERPRINT_SCHEMA)
    assert len(parts) == 2
    assert data_fingerprint(parts) == data_fingerprint(frame) == data_fingerprint(frame.iloc[[2, 0, 3, 1]])
    assert data_fingerprint(frame.assign(item_id=["9", "10", "9", "4"])) != data_fingerprint(frame)
    assert data_fingerprint(frame.iloc[:3]) != data_fingerprint(frame)
    assert data_fingerprint(pd.concat([frame, frame.iloc[:1]])) != data_fingerprint(frame)


def test_lists_built_group_by_group_where_the_users_are_equal_the_drivers() -> None:
    """On Spark the first stage hands each (fold, model) to the executors as a `ListJob`, run on
    groups of the fold's users (`FoldLister`, each group with its users' own history): every
    model's lists (baselines, item kNN, EASE, ALS, BPR) come out as the whole fold's run gives them,
    for the users each fold lists, whatever the groups."""
    from recwarehouse.interactions.models import FoldLister, all_candidates

    history, targets, item_scores = _three_folds()
    settings = FirstStage(
        n=20, k=5, list_length=10, lambdas=(20.0,), taus=(0.0, 5.0), knn_neighbours=(10,),
        bpr_grid=({"factors": 8, "learning_rate": 0.05, "regularization": 0.01, "iterations": 5},),
        als_grid=({"factors": 8, "regularization": 0.05, "alpha": 1.0, "iterations": 3},),
        models=("popularity", "recency_popularity", "itemknn", "ease", "als", "bpr"),
    )  # fmt: skip
    here, _ = all_candidates(history, targets, item_scores, settings)
    jobs = []
    there, _ = all_candidates(history, targets, item_scores, settings, remote=jobs.append)
    pd.testing.assert_frame_equal(here.labels().drop(columns="fit_seconds"), there.labels().drop(columns="fit_seconds"))
    rows = []
    for job in jobs:
        fold = history[history["fold"] == job.fold]
        if job.fold != "serve":  # validation and test list their users with targets
            fold = fold[fold["user_id"].isin(targets.loc[targets["fold"] == job.fold, "user_id"])]
        users = sorted(fold["user_id"].unique())
        lister = FoldLister(job, exclude_seen=True, memory_mb=1.0, repeat_rule=settings.repeat_weight)
        for k in range(3):  # three groups of users, as three partitions would hold them
            group = fold[fold["user_id"].isin(users[k::3])]
            rows.append(lister(group[["user_id", "item_id", "recency_rank"]]))
    labels = there.labels()
    remote = pd.concat(rows, ignore_index=True).merge(labels, on="part")
    key = ["fold", "model", "user_id", "rank"]
    columns = [*key, "item_id", "score"]
    expected = here.frame()[columns].sort_values(key).reset_index(drop=True)
    assert set(expected["model"]) == {"popularity", "recency_popularity", "itemknn", "ease", "als", "bpr"}
    pd.testing.assert_frame_equal(remote[columns].sort_values(key).reset_index(drop=True), expected)
