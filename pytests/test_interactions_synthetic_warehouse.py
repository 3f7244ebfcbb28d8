"""On the synthetic interactions build (`make interactions-build`): a log with repeats, no ratings
and text ids, EASE pushed over its memory cap, so the paths MovieLens 100K does not take run."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import HISTORY_ITEMS_LISTED, ROOT

pytestmark = pytest.mark.warehouse


def test_a_valid_log_without_an_items_file_builds_without_a_warning() -> None:
    log = Path(os.environ.get("RECWAREHOUSE_INTERACTIONS_BUILD_LOG", ""))
    if not log.is_file():
        pytest.fail("no log of the synthetic interactions build: run `make interactions-build`")
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text())  # without the terminal's colours
    assert "Done. PASS=" in text
    # dbt's warnings, and dbt-duckdb's word on documented columns a table lacks (printed as info)
    said = r"\[WARN|\bwarn(ing)?\b|not present in the database"
    warnings = [line for line in text.splitlines() if re.search(said, line, re.IGNORECASE)]
    warnings = [line for line in warnings if not re.search(r"WARN=0\b", line)]
    assert not warnings, "\n".join(warnings)


def test_skipped_models_are_in_the_registry_with_their_reason(synthetic_warehouse) -> None:
    rows = dict(
        synthetic_warehouse.sql("select model, skip_reason from ml.ml_interaction_registry where status = 'skipped'")
        .fetchall()
    )  # fmt: skip
    assert set(rows) == {"bayes_average", "ease", "ease_no_decay", "bpr"}
    assert "no ratings" in rows["bayes_average"] and "not in var interactions_models" in rows["bpr"]
    assert "ease_max_memory_mb" in rows["ease"] and "items needs" in rows["ease"]
    built = {
        m
        for (m,) in synthetic_warehouse.sql(
            "select model from ml.ml_interaction_registry where status = 'built'"
        ).fetchall()
    }
    assert {"popularity", "itemknn", "als", "two_stage"} <= built
    assert not built & {"bayes_average", "ease", "ease_no_decay"}


def test_repeats_are_collapsed_and_not_evaluated(synthetic_warehouse) -> None:
    raw, distinct = synthetic_warehouse.sql(
        "select count(*), count(distinct (user_id, item_id)) from staging.stg_interactions__events"
    ).fetchone()
    assert distinct < raw  # the log repeats pairs
    # every re-consumption in a target period is left out of what lists are judged on
    repeats, judged_repeats = synthetic_warehouse.sql(
        """
        select
            count(*) filter (where f.is_repeat),
            count(*) filter (where f.is_repeat and t.item_id is not null)
        from intermediate.int_interaction_folds_assembled f
        left join intermediate.int_interaction_targets t
          on t.fold = f.fold and t.user_id = f.user_id and t.item_id = f.item_id
        where f.role = 'target'
        """
    ).fetchone()
    assert repeats > 0 and judged_repeats == 0
    (leaks,) = synthetic_warehouse.sql(HISTORY_ITEMS_LISTED).fetchone()
    assert leaks == 0


def test_log_row_is_the_row_of_the_parquet_file(synthetic_warehouse) -> None:
    import pyarrow.parquet as pq

    log = pq.read_table(ROOT / "data" / "test_interactions" / "interactions.parquet").to_pandas()
    rows = synthetic_warehouse.sql(
        "select log_row, user_id, item_id from staging.stg_interactions__events order by log_row"
    ).df()
    assert len(rows) > 0 and rows["log_row"].is_unique
    at = log.iloc[rows["log_row"].to_numpy() - 1]
    assert (at["user_id"].astype(str).to_numpy() == rows["user_id"].to_numpy()).all()
    assert (at["item_id"].astype(str).to_numpy() == rows["item_id"].to_numpy()).all()


def test_every_user_is_served_and_learned_models_beat_popularity(synthetic_warehouse) -> None:
    users = synthetic_warehouse.sql("select count(distinct user_id) from staging.stg_interactions__events").fetchone()[
        0
    ]
    served, models = synthetic_warehouse.sql(
        "select count(distinct user_id), count(distinct model_id) from marts.fct_interaction_recommendations"
    ).fetchone()
    assert served == users and models == 1
    ndcg = dict(
        synthetic_warehouse.sql(
            "select model, ndcg_at_k from marts.fct_interaction_eval_summary where fold = 'test' and k = 10"
        ).fetchall()
    )
    assert ndcg["itemknn"] > ndcg["popularity"]


def test_validation_and_test_folds_are_the_seeded_samples(synthetic_warehouse) -> None:
    """`make interactions-build` sets tuning_users: 300 and evaluation_users: 400 (the log has more
    users with targets in both folds): the targets, every list and the evaluation of the validation
    fold hold those 300 users, the test fold's those 400; the serve fold keeps everyone."""
    for fold, size in [("validation", 300), ("test", 400)]:
        available, sampled = synthetic_warehouse.sql(
            f"""
            select
                (select count(distinct user_id) from intermediate.int_interaction_folds_assembled
                 where fold = '{fold}' and role = 'target' and not is_repeat),
                (select count(distinct user_id) from intermediate.int_interaction_targets where fold = '{fold}')
            """
        ).fetchone()
        assert available > size and sampled == size, fold
        for table in [
            "ml.ml_interaction_candidates", "ml.ml_interaction_two_stage", "marts.fct_interaction_eval_per_user",
        ]:  # fmt: skip
            outside, listed = synthetic_warehouse.sql(
                f"""
                select
                    count(distinct l.user_id) filter (where l.user_id not in (
                        select user_id from intermediate.int_interaction_targets where fold = '{fold}')),
                    count(distinct l.user_id)
                from {table} l
                where l.fold = '{fold}'
                """
            ).fetchone()
            assert outside == 0, f"{table} has {fold} rows of users outside the sample"
            assert listed == size, f"{table} lists {listed} {fold} users, not {size}"
    serve_users, serve_listed = synthetic_warehouse.sql(
        """
        select
            (select count(distinct user_id) from intermediate.int_interaction_folds_assembled
             where fold = 'serve' and role = 'history'),
            (select count(distinct user_id) from ml.ml_interaction_candidates where fold = 'serve' and model = 'als')
        """
    ).fetchone()
    assert serve_listed == serve_users


def test_relabelled_ids_serve_the_same_model_and_move_no_metric(synthetic_warehouse, relabelled_warehouse) -> None:
    # recwarehouse.demo.relabel: every user and item id renamed through a seeded bijection, rows in
    # the same order. Ties in time, samples, the ALS start and the re-ranker's rows follow the log's
    # order, never the ids: the same split, the same served model, every test NDCG within 2%
    query = "select model, ndcg_at_k from marts.fct_interaction_eval_summary where fold = 'test' and k = 10"
    one, two = dict(synthetic_warehouse.sql(query).fetchall()), dict(relabelled_warehouse.sql(query).fetchall())
    assert set(one) == set(two) and len(one) >= 5
    moved = {model: abs(two[model] - value) / value for model, value in one.items()}
    assert max(moved.values()) <= 0.02, moved
    served = "select distinct model from marts.fct_interaction_recommendations"
    assert synthetic_warehouse.sql(served).fetchall() == relabelled_warehouse.sql(served).fetchall()
    # and every user is served the same items: the ids of one log are mapped to the other's by the
    # position of the rows they are on (log_row)
    names = "select log_row, user_id, item_id from staging.stg_interactions__events"
    old, new = synthetic_warehouse.sql(names).df(), relabelled_warehouse.sql(names).df()
    pairs = old.merge(new, on="log_row", suffixes=("", "_new"))
    to_user = dict(zip(pairs["user_id"], pairs["user_id_new"], strict=True))
    to_item = dict(zip(pairs["item_id"], pairs["item_id_new"], strict=True))
    lists = "select user_id, rank, item_id from marts.fct_interaction_recommendations"
    one = (
        synthetic_warehouse.sql(lists)
        .df()
        .assign(user_id=lambda t: t["user_id"].map(to_user), item_id=lambda t: t["item_id"].map(to_item))
    )
    two = relabelled_warehouse.sql(lists).df()
    key = ["user_id", "rank"]
    assert one.sort_values(key).reset_index(drop=True).equals(two.sort_values(key).reset_index(drop=True))
    split = "select split, inner_split, count(*) from intermediate.int_interactions_split group by all order by all"
    assert synthetic_warehouse.sql(split).fetchall() == relabelled_warehouse.sql(split).fetchall()
