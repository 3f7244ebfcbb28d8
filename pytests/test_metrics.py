"""Ranking metrics against hand-computed cases and an independent, loop-based computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recwarehouse.metrics import (
    hit_rank_metrics,
    list_exposure,
    paired_bootstrap,
    per_user_metrics,
    rank_within_user,
    summary_metrics,
)


def frame(rows: list[tuple[str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "score", "label"])


def test_hand_computed_single_user() -> None:
    # ranking a(1) b(0) c(1) d(0) e(0); 3 positives in total (one not among the candidates)
    df = frame([("u", "a", 0.9, 1), ("u", "b", 0.8, 0), ("u", "c", 0.7, 1), ("u", "d", 0.6, 0), ("u", "e", 0.5, 0)])
    m = per_user_metrics(df, pd.Series({"u": 3}), k=3).loc["u"]
    assert m.precision_at_k == pytest.approx(2 / 3)
    assert m.recall_at_k == pytest.approx(2 / 3)
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert m.ndcg_at_k == pytest.approx(dcg / idcg)
    assert m.map_at_k == pytest.approx((1 / 1 + 2 / 3) / 3)
    assert m.mrr_at_k == 1.0
    assert m.hit_rate_at_k == 1.0


def test_mrr_is_one_over_the_first_hit_rank_within_k() -> None:
    # u: hits at ranks 3 and 4 -> 1/3; v: its only hit at rank 6 is beyond K = 5 -> 0
    out = hit_rank_metrics(np.array([0, 0, 1]), np.array([4, 3, 6]), np.array([2, 1]), k=5)
    assert out["mrr_at_k"].tolist() == pytest.approx([1 / 3, 0.0])
    assert out["hits"].tolist() == [2.0, 0.0]
    # AP for u: hits at 3 and 4 -> (1/3 + 2/4) / min(2, 5)
    assert out["map_at_k"][0] == pytest.approx((1 / 3 + 2 / 4) / 2)


def test_paired_bootstrap_has_the_known_answer() -> None:
    # a constant difference has no noise: the interval is that constant
    out = paired_bootstrap(np.full(50, 0.3), np.full(50, 0.1), resamples=200, seed=1)
    assert out["difference"] == pytest.approx(0.2) and out["ci_low"] == pytest.approx(0.2)
    assert out["ci_high"] == pytest.approx(0.2)
    # differences ~ N(0.1, 1) over 10,000 users: the 95% interval is 0.1 +- 1.96 / sqrt(10,000)
    rng = np.random.default_rng(2)
    diff = rng.normal(0.1, 1.0, 10_000)
    out = paired_bootstrap(diff, np.zeros_like(diff), resamples=1000, seed=3)
    half = 1.96 * diff.std() / 100
    assert out["ci_low"] == pytest.approx(diff.mean() - half, abs=0.004)
    assert out["ci_high"] == pytest.approx(diff.mean() + half, abs=0.004)
    assert paired_bootstrap(diff, np.zeros_like(diff), resamples=50, seed=3) == paired_bootstrap(
        diff, np.zeros_like(diff), resamples=50, seed=3
    )  # seeded


def test_ties_break_by_item_id_ascending() -> None:
    df = frame([("u", "b", 0.5, 1), ("u", "a", 0.5, 0)])
    assert rank_within_user(df, "user_id", "item_id", "score").tolist() == [2, 1]
    m = per_user_metrics(df, pd.Series({"u": 1}), k=1).loc["u"]
    assert m.precision_at_k == 0.0 and m.ndcg_at_k == 0.0  # 'a' wins the tie and is not relevant


def test_users_without_positives_are_not_evaluated() -> None:
    df = frame([("u", "a", 0.9, 1), ("v", "a", 0.9, 0)])
    out = per_user_metrics(df, pd.Series({"u": 1, "v": 0}), k=5)
    assert list(out.index) == ["u"]


def test_fewer_than_k_candidates_still_divide_precision_by_k() -> None:
    df = frame([("u", "a", 0.9, 1), ("u", "b", 0.1, 1)])
    m = per_user_metrics(df, pd.Series({"u": 2}), k=5).loc["u"]
    assert m.precision_at_k == pytest.approx(2 / 5)
    assert m.recall_at_k == 1.0
    assert m.ndcg_at_k == pytest.approx(1.0)  # both positives at the top: ideal over min(2, 5)
    assert m.map_at_k == pytest.approx(1.0)


def test_user_with_positives_but_no_candidates_scores_zero() -> None:
    df = frame([("u", "a", 0.9, 1)])
    out = per_user_metrics(df, pd.Series({"u": 1, "w": 2}), k=5)
    assert out.loc["w"].tolist()[2:] == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_bad_k_is_refused() -> None:
    with pytest.raises(ValueError, match="k must be >= 1"):
        per_user_metrics(frame([("u", "a", 1.0, 1)]), pd.Series({"u": 1}), k=0)


def _reference(df: pd.DataFrame, n_rel: dict[str, int], k: int) -> dict[str, float]:
    """An independent, plain-loop computation of the same definitions."""
    sums = {"p": 0.0, "r": 0.0, "n": 0.0, "ap": 0.0}
    users = [u for u, n in n_rel.items() if n > 0]
    for u in users:
        rows = sorted(
            [(s, i, y) for uu, i, s, y in df.itertuples(index=False) if uu == u], key=lambda t: (-t[0], t[1])
        )[:k]
        rels = [y for _, _, y in rows]
        hits = sum(rels)
        sums["p"] += hits / k
        sums["r"] += hits / n_rel[u]
        dcg = sum(y / math.log2(i + 2) for i, y in enumerate(rels))
        idcg = sum(1 / math.log2(i + 2) for i in range(min(n_rel[u], k)))
        sums["n"] += dcg / idcg
        ap, seen = 0.0, 0
        for i, y in enumerate(rels):
            if y:
                seen += 1
                ap += seen / (i + 1)
        sums["ap"] += ap / min(n_rel[u], k)
    return {key: value / len(users) for key, value in sums.items()}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_independent_computation_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(40):
        for i in range(int(rng.integers(1, 12))):
            rows.append((f"u{u}", f"i{i:02d}", float(rng.integers(0, 5)), int(rng.random() < 0.3)))
    df = frame(rows)
    n_rel = {u: int(g.label.sum()) + int(rng.integers(0, 2)) for u, g in df.groupby("user_id")}
    ref = _reference(df, n_rel, k=5)
    got = summary_metrics(df, pd.Series(n_rel), k=5, n_catalog=12)
    assert got["precision_at_k"] == pytest.approx(ref["p"])
    assert got["recall_at_k"] == pytest.approx(ref["r"])
    assert got["ndcg_at_k"] == pytest.approx(ref["n"])
    assert got["map_at_k"] == pytest.approx(ref["ap"])


def test_list_exposure_by_hand() -> None:
    # three users' top-2 lists over a catalogue of 4: a in 3 lists, b in 2, c in 1, d never
    lists = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u2", "u3", "u3"], "item_id": ["a", "b", "a", "b", "a", "c"]})
    got = list_exposure(lists, n_catalog=4)
    assert got["catalog_coverage"] == pytest.approx(3 / 4)
    # sorted counts 0, 1, 2, 3: sum((2i - 5) x_i) = -1 + 2 + 9 = 10 over n * total = 4 * 6
    assert got["gini_exposure"] == pytest.approx(10 / 24)
    assert (got["top_item_id"], got["top_item_share"], got["users_listed"]) == ("a", 1.0, 3)
    without_a = list_exposure(lists[lists["item_id"] != "a"], n_catalog=4)
    assert (without_a["top_item_id"], without_a["top_item_share"]) == ("b", pytest.approx(2 / 3))  # b in 2 of 3 lists
    empty = list_exposure(lists.iloc[:0], n_catalog=4)
    assert empty["top_item_id"] is None and np.isnan(empty["gini_exposure"])


def test_summary_metrics_measure_exposure_of_the_top_k() -> None:
    # scores rank a first for both users; at K = 1 a is everyone's list
    df = frame([("u1", "a", 2.0, 1), ("u1", "b", 1.0, 0), ("u2", "a", 3.0, 0), ("u2", "c", 1.0, 1)])
    got = summary_metrics(df, pd.Series({"u1": 1, "u2": 1}), k=1, n_catalog=3)
    assert got["catalog_coverage"] == pytest.approx(1 / 3)
    assert got["top_item_share"] == pytest.approx(1.0)
    assert got["gini_exposure"] == pytest.approx(2 / 3)  # one of three items gets it all: (n - 1) / n
