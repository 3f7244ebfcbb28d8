"""On the test build (which runs the interactions path on MovieLens 100K, read in place)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import HISTORY_ITEMS_LISTED

pytestmark = pytest.mark.warehouse
ROOT = Path(__file__).resolve().parents[1]
MOVIELENS = ROOT.parent / "shared" / "data" / "movielens-100k"  # the test warehouse's log (Makefile)


@pytest.mark.parametrize("k", [5, 10, 20])
def test_metrics_agree_with_an_independent_computation(warehouse, k) -> None:
    # targets: the test rows' items the user has not had in the test history (first-time only)
    history: set = set(
        warehouse.sql(
            "select user_id, item_id from intermediate.int_interaction_folds_assembled"
            " where fold = 'test' and role = 'history'"
        ).fetchall()
    )
    targets: dict[str, set] = {}
    for user, item in warehouse.sql(
        "select user_id, item_id from intermediate.int_interaction_folds_assembled"
        " where fold = 'test' and role = 'target'"
    ).fetchall():
        if (user, item) not in history:
            targets.setdefault(user, set()).add(item)
    lists: dict[str, list] = {}
    for user, item in warehouse.sql(
        f"select user_id, item_id from ml.ml_interaction_candidates where fold = 'test' and model = 'ease' "
        f"and rank <= {k} order by user_id, rank"
    ).fetchall():
        lists.setdefault(user, []).append(item)
    ndcg, precision, recall, mrr = [], [], [], []
    for user, relevant in targets.items():
        top = lists.get(user, [])
        hits = [item in relevant for item in top]
        dcg = sum(1 / np.log2(r + 2) for r, hit in enumerate(hits) if hit)
        idcg = sum(1 / np.log2(r + 2) for r in range(min(len(relevant), k)))
        ndcg.append(dcg / idcg)
        precision.append(sum(hits) / k)
        recall.append(sum(hits) / len(relevant))
        mrr.append(next((1 / (r + 1) for r, hit in enumerate(hits) if hit), 0.0))
    row = warehouse.sql(
        "select ndcg_at_k, precision_at_k, recall_at_k, mrr_at_k, users_evaluated "
        f"from marts.fct_interaction_eval_summary where fold = 'test' and model = 'ease' and k = {k}"
    ).fetchone()
    assert row[0] == pytest.approx(np.mean(ndcg), abs=1e-9)
    assert row[1] == pytest.approx(np.mean(precision), abs=1e-9)
    assert row[2] == pytest.approx(np.mean(recall), abs=1e-9)
    assert row[3] == pytest.approx(np.mean(mrr), abs=1e-9)
    assert row[4] == len(targets)


def test_exposure_gini_and_popularity_bias_agree_with_an_independent_computation(warehouse) -> None:
    k = 10
    shown = dict(
        warehouse.sql(
            f"select item_id, count(*) from ml.ml_interaction_candidates where fold = 'test' and model = 'itemknn' "
            f"and rank <= {k} group by item_id"
        ).fetchall()
    )
    popularity = dict(
        warehouse.sql(
            "select item_id, interactions from intermediate.int_interaction_items_scored where fold = 'test'"
        ).fetchall()
    )
    counts = np.sort(np.array([shown.get(item, 0) for item in popularity], dtype=float))
    n = counts.size  # Gini by its definition: mean absolute difference over all pairs / (2 mean)
    gini = np.abs(counts[:, None] - counts[None, :]).sum() / (2 * n * n * counts.mean())
    mean_popularity = sum(popularity[i] * c for i, c in shown.items()) / sum(shown.values())
    row = warehouse.sql(
        "select gini_exposure, mean_item_popularity from marts.fct_interaction_eval_summary "
        f"where fold = 'test' and model = 'itemknn' and k = {k}"
    ).fetchone()
    assert row[0] == pytest.approx(gini, abs=1e-9)
    assert row[1] == pytest.approx(mean_popularity, abs=1e-9)
    by_model = dict(
        warehouse.sql(
            f"select model, gini_exposure from marts.fct_interaction_eval_summary where fold = 'test' and k = {k}"
        ).fetchall()
    )
    assert by_model["popularity"] > by_model["itemknn"]  # everyone gets the same few items


def test_the_model_comparison_bootstraps_the_chosen_model_against_the_runner_up(warehouse) -> None:
    rows = warehouse.sql(
        "select k, chosen_model, runner_up_model, chosen_mean, runner_up_mean, difference, ci_low, ci_high, users "
        "from marts.fct_interaction_model_comparison order by k"
    ).fetchall()
    assert [r[0] for r in rows] == [5, 10, 20]
    best = warehouse.sql(
        "select model from marts.fct_interaction_eval_summary where fold = 'validation' and k = 10 "
        "order by ndcg_at_k desc, model_id limit 2"
    ).fetchall()
    for k, chosen, runner_up, a, b, diff, low, high, users in rows:
        assert (chosen, runner_up) == (best[0][0], best[1][0])
        assert diff == pytest.approx(a - b, abs=1e-8) and low <= diff <= high
        test_ndcg = dict(
            warehouse.sql(
                f"select model, ndcg_at_k from marts.fct_interaction_eval_summary where fold = 'test' and k = {k}"
            ).fetchall()
        )
        assert a == pytest.approx(test_ndcg[chosen], abs=1e-8) and users == 943


def test_the_choice_serves_the_best_collaborative_model_and_sets_every_other_against_it(warehouse) -> None:
    choice = warehouse.sql("select * from marts.fct_interaction_model_choice").df().set_index("model")
    summary = warehouse.sql(
        "select model, ndcg_at_k from marts.fct_interaction_eval_summary"
        " where fold = 'validation' and k = 10 and model_family = 'cf'"
    ).df()
    assert set(choice.index) == set(summary["model"]) and (choice["model_family"] == "cf").all()
    best = summary.sort_values("ndcg_at_k", ascending=False)["model"].iloc[0]
    assert choice["is_served"].sum() == 1 and choice.loc[best, "is_served"]
    served = warehouse.sql("select distinct model from marts.fct_interaction_recommendations").fetchall()
    assert served == [(best,)]
    others = choice[~choice["is_served"]]
    difference = others["difference_to_best"]
    assert ((others["ci_low"] <= difference) & (difference <= others["ci_high"]) & (difference <= 0)).all()
    assert (others["is_level_with_best"] == (others["ci_high"] >= 0)).all()


def test_no_model_recommends_an_item_from_the_folds_history(warehouse) -> None:
    (leaks,) = warehouse.sql(HISTORY_ITEMS_LISTED).fetchone()
    assert leaks == 0


def test_collaborative_models_beat_popularity_on_test(warehouse) -> None:
    ndcg = dict(
        warehouse.sql(
            "select model, ndcg_at_k from marts.fct_interaction_eval_summary where fold = 'test' and k = 10"
        ).fetchall()
    )
    assert ndcg["ease"] > ndcg["itemknn"] > ndcg["popularity"]
    assert ndcg["als"] > ndcg["popularity"] and "bpr" not in ndcg  # BPR is opt-in
    assert ndcg["two_stage"] > ndcg["ease"]  # MovieLens 100K: 0.255 against 0.240


def test_time_ties_keep_the_order_of_the_lines_of_u_data(warehouse) -> None:
    # half of MovieLens 100K's ratings share their second with another of the user's: they keep
    # the file's order (log_row = the line of u.data), whatever their ids
    lines = [line.split("\t")[:2] for line in (MOVIELENS / "u.data").read_text().splitlines()]
    rows = warehouse.sql("select log_row, user_id, item_id from intermediate.int_interactions_split").fetchall()
    assert len(rows) == len(lines) and all(lines[n - 1] == [user, item] for n, user, item in rows)
    (wrong, ties) = warehouse.sql(
        """
        select count(*) filter (where a.log_row < b.log_row and a.user_seq > b.user_seq), count(*)
        from intermediate.int_interactions_split a
        join intermediate.int_interactions_split b
          on a.user_id = b.user_id and a.event_at = b.event_at and a.log_row <> b.log_row
        """
    ).fetchone()
    assert ties > 0 and wrong == 0


def test_every_user_is_served_k_items_by_one_model(warehouse) -> None:
    k = warehouse.sql("select any_value(k) from ml.ml_interaction_registry").fetchone()[0]
    users = warehouse.sql("select count(distinct user_id) from staging.stg_interactions__events").fetchone()[0]
    rows, models, served = warehouse.sql(
        "select count(*), count(distinct model_id), count(distinct user_id) from marts.fct_interaction_recommendations"
    ).fetchone()
    assert served == users and rows == users * k and models == 1


def test_run_artifacts_match_the_registry(warehouse) -> None:
    latest = (ROOT / "artifacts" / "LATEST").read_text().strip()
    run_id = warehouse.sql("select distinct run_id from ml.ml_interaction_registry").fetchone()[0]
    assert latest == run_id
    saved = json.loads((ROOT / "artifacts" / latest / "registry.json").read_text())
    table = dict(warehouse.sql("select model_id, ndcg_at_k_test from ml.ml_interaction_registry").fetchall())
    assert {r["model_id"]: r["ndcg_at_k_test"] for r in saved} == pytest.approx(table, abs=1e-9)
    assert (ROOT / "artifacts" / latest / "two_stage_lightgbm.txt").exists()
    assert json.loads((ROOT / "artifacts" / latest / "vars.json").read_text())["interactions_split"] == "per_user"
