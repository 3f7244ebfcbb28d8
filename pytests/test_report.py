"""The chart step: every chart is always written, and says what to run when its data is missing."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from recwarehouse.report import CHARTS, render


def test_an_empty_warehouse_gets_every_chart_as_a_picture_that_says_what_to_run(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    status = render(db, tmp_path / "charts", truth=None, backtest_db=None, bench=tmp_path / "no_bench")
    assert set(status) == set(CHARTS)
    for name, state in status.items():
        assert state.startswith("no data: "), (name, state)
        assert (tmp_path / "charts" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "make movielens" in status["ndcg_recall_by_k"]
    assert "make bench-scale" in status["scale_ladder"]
    assert "bench/exposure_frontier.py" in status["exposure_frontier"]


def test_the_exposure_frontier_draws_from_the_stored_bench_results(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    (tmp_path / "results").mkdir()
    caps = [
        {"cap": None, "ndcg": 0.40, "top_share": 0.6, "varied": 0.6},
        {"cap": 0.5, "ndcg": 0.399, "top_share": 0.5, "varied": 0.6},
    ]
    terms = [
        {"term": t, "weight": 0.1, "ndcg": 0.398, "top_share": 0.55, "varied": 0.62} for t in ("exposure", "diversity")
    ]
    world = {"caps": caps, "terms": terms, "chosen_cap": 0.5}
    stored = {"ndcg_kept": 0.99, "default_cap": 0.5, "worlds": {"a": world, "b": world}}
    (tmp_path / "results" / "exposure_frontier.json").write_text(json.dumps(stored))
    status = render(db, tmp_path / "charts", truth=None, backtest_db=None, bench=tmp_path / "out")
    assert status["exposure_frontier"] == "drawn"


def test_the_exposure_price_feedback_and_scale_charts_draw_from_their_sources(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql("create schema marts")
        con.sql(
            "create table marts.fct_trainer_exposure as select * from (values "
            "(date '2026-03-02', 'model', 't1', 'Ann', 8, 0.8, 0.4, 1.0, 0.5),"
            "(date '2026-03-02', 'model', 't2', 'Bo', 2, 0.2, 0.4, 1.0, 0.5)) "
            "as t(serve_week, mode_used, trainer_id, trainer_name, lists, share_of_lists, gini_exposure, "
            "catalog_coverage, top_trainer_share)"
        )
        con.sql(
            "create table marts.fct_trainer_price_suggestions as select * from (values "
            "('t1', 'Ann', date '2026-03-02', 40.0, 48.0, 55.0, 'learned', 50.0, 12),"
            "('t2', 'Bo', date '2026-03-02', 35.0, 42.5, 50.0, 'market_rule', 39.0, 2)) "
            "as t(trainer_id, trainer_name, serve_week, min_price, optimal_price, max_price, method, current_price, "
            "own_bookings)"
        )
        con.sql(
            "create table marts.fct_goal_speciality_feedback as select * from (values "
            "('strength', 'strength', true, 0.05, 'as the goal map says'),"
            "('strength', 'posture', false, 0.08, 'not in the goal map, yet people rarely reject it: a candidate'),"
            "('rehab', 'strength', false, 0.5, 'as the goal map says'),"
            "('rehab', 'posture', false, 0.4, 'too little feedback to tell')) "
            "as t(goal, speciality, is_goal_match, wrong_speciality_rate_smoothed, review)"
        )
    bench = tmp_path / "bench"
    (bench / "scale").mkdir(parents=True)
    (bench / "scale" / "ladder.json").write_text(
        '{"rows": [{"name": "1M", "events": 1000000, "wall": 30.0, "rss_gib": 1.0},'
        ' {"name": "10M", "events": 10000000, "wall": 120.0, "rss_gib": 4.0}]}'
    )
    status = render(db, tmp_path / "charts", truth=None, backtest_db=None, bench=bench)
    assert status["exposure"] == "drawn"
    assert status["price_bands"] == "drawn"
    assert status["goal_speciality_feedback"] == "drawn"
    assert status["scale_ladder"] == "drawn"
    assert status["leaderboard"].startswith("no data")


def test_a_missing_warehouse_is_named(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="does not exist"):
        render(tmp_path / "nope.duckdb", tmp_path / "charts")
