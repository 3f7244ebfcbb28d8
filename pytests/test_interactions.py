"""The interactions path's models and evaluation, against hand-computed and independent results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from recwarehouse.interactions.models import (
    Fold,
    ease_weights,
    evaluate_lists,
    itemknn_weights,
    model_id,
    registry_rows,
    top_n,
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
    b = ease_weights(X, lam)
    for j in range(X.shape[1]):
        others = [c for c in range(X.shape[1]) if c != j]
        xo = X[:, others]
        expected = np.linalg.solve(xo.T @ xo + lam * np.eye(len(others)), xo.T @ X[:, j])
        assert b[others, j] == pytest.approx(expected, abs=1e-10)
        assert b[j, j] == 0.0
    with pytest.raises(ValueError, match="lambda"):
        ease_weights(X, 0.0)


def test_itemknn_is_cosine_with_a_zero_diagonal() -> None:
    sim = itemknn_weights(X)
    expected = cosine_similarity(X.T)
    np.fill_diagonal(expected, 0.0)
    assert sim == pytest.approx(expected)
    # by hand: items 0 and 1 share users 0 and 3; |x0| = |x1| = sqrt(3) -> 2 / 3
    assert sim[0, 1] == pytest.approx(2 / 3)


def test_top_n_skips_seen_items_and_breaks_ties_by_item() -> None:
    scores = np.array([[0.5, 0.9, 0.5, 0.1], [0.2, 0.2, 0.2, 0.2]])
    seen = np.array([[False, True, False, False], [False, False, True, False]])
    order, values = top_n(scores, seen, 3)
    assert order.tolist() == [[0, 2, 3], [0, 1, 3]]
    assert values[0].tolist() == [0.5, 0.5, 0.1]
    # fewer unseen items than n: the rest are -inf and dropped downstream
    order, values = top_n(scores[:1], np.array([[True, True, True, False]]), 3)
    assert order[0, 0] == 3 and np.isinf(values[0, 1:]).all()


def test_profile_weighs_recent_interactions_more() -> None:
    history = pd.DataFrame({"user_id": ["u", "u", "u"], "item_id": ["a", "b", "c"], "recency_rank": [2, 1, 0]})
    fold = Fold.from_history(history)
    assert fold.profile(0).tolist() == [[1.0, 1.0, 1.0]]
    assert fold.profile(5)[0] == pytest.approx(np.exp(-np.array([2, 1, 0]) / 5))


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
    out = evaluate_lists(lists, targets, k=3).set_index("user_id")
    g = 1 / np.log2(3)
    assert out.loc["u", "precision_at_k"] == pytest.approx(1 / 3)
    assert out.loc["u", "recall_at_k"] == pytest.approx(1 / 2)
    assert out.loc["u", "ndcg_at_k"] == pytest.approx(g / (1 + g))
    assert out.loc["u", "map_at_k"] == pytest.approx(0.25)
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
            "hit_rate_at_k": 0.5,
            "catalog_coverage": 0.3,
            "novelty": 2.0,
            "users_evaluated": 10,
            "fit_seconds": 0.1,
        }
    )
    params = pd.DataFrame({"model_id": ["ease-1", "popularity-1"], "params": ["{}", "{}"]})
    folds = pd.DataFrame({"fold": ["test"], "user_id": ["u"], "item_id": ["a"]})
    rows = registry_rows(summary, [params], folds, "run_x").set_index("model")
    assert rows.loc["ease", "is_best_on_validation"] and not rows.loc["popularity", "is_best_on_validation"]
    assert rows.loc["ease", "ndcg_at_k_test"] == 0.25
    assert rows["data_fingerprint"].nunique() == 1
    assert model_id("ease", '{"lambda": 1}') == model_id("ease", '{"lambda": 1}') != model_id("ease", "{}")
