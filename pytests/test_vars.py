"""A bad var stops dbt before any model runs, with a message naming the var and the rule."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))


def dbt_run_with(vars_yaml: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(ROOT),
        "RECWAREHOUSE_DB": str(tmp_path / "v.duckdb"),
    }
    return subprocess.run(
        [DBT, "run", "--select", "stg_platform__users", "--vars", vars_yaml,
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


BAD_VARS = [
    (
        # independent rules are checked together, and every error is reported in one message
        "{k: -1, decay: 7, exploration_rate: 'lots', serve_week: '2026-03-04', retrain_every_weeks: 0,"
        " segment_as_of_date: '2026-13-45'}",
        [
            "var 'k' = -1 is outside [1, 1000]",
            "var 'decay' = 7 is outside (0, 1]",
            "var 'exploration_rate' must be a number",
            "var 'serve_week' = 2026-03-04 is not a Monday",
            "var 'retrain_every_weeks' = 0 is outside [1, 520]",
            "var 'segment_as_of_date' must be null or a date 'YYYY-MM-DD'",
        ],
    ),
    (
        "{k: 2.5, decay: 0, validation_week: '2026-02-31', recommendation_mode: best,"
        " serving_rule_weights: [0, 1.5], serving_rule_weight_tolerance: -1, max_trainer_list_share: 0,"
        " price_min_training_bookings: 0}",
        [
            "var 'k' must be a whole number",
            "var 'decay' = 0 is outside (0, 1]",
            "var 'validation_week' must be null or a date 'YYYY-MM-DD'",
            "var 'recommendation_mode' must be one of auto, rule_based, model, ensemble, got 'best'",
            "var 'serving_rule_weights' must be a non-empty list of numbers in [0, 1], got '[0, 1.5]'",
            "var 'serving_rule_weight_tolerance' = -1 is outside [0, 1]",
            "var 'max_trainer_list_share' = 0 is outside (0, 1]",
            "var 'price_min_training_bookings' = 0 is outside [1, 100000000]",
        ],
    ),
    (
        "{k: 40, validation_week: '2026-02-23', serve_week: '2026-02-16', source_warn_after_days: 20,"
        " source_error_after_days: 10, price_band_lower_quantile: 0.9, price_band_upper_quantile: 0.5,"
        " rule_weight_feedback: 0.5, feedback_prior_strength: 0, feedback_reason_min_people: 0}",
        [
            "var 'min_candidates_per_user' = 30 must be >= var 'k' = 40",
            "var 'validation_week' = 2026-02-23 must be before var 'serve_week' = 2026-02-16",
            "var 'source_warn_after_days' = 20 must be <= var 'source_error_after_days' = 10",
            "var 'price_band_lower_quantile' = 0.9 must be below var 'price_band_upper_quantile' = 0.5",
            "vars 'rule_weight_*' = 1.4",
            "var 'feedback_prior_strength' = 0 is outside (0, 100000000]",
            "var 'feedback_reason_min_people' = 0 is outside [1, 1000000]",
        ],
    ),
    (
        # every cold-start rule at once: all errors are reported together
        "{mmr_lambda: 1.5, segment_weight_like: 0.5, freshness_basis: yesterday, segment_prior_alpha: 0,"
        " segment_as_of_date: 'March', demote_flagged_instructors: 'yes', segment_candidates: 3,"
        " mmr_same_trainer_similarity: 2, mmr_lambda_grid: [0.5, 7],"
        # ... and every interactions rule in the same run (no var in common)
        " interactions_adapter: csv, ease_lambdas: [500, 0], interactions_k: 200, interactions_split: random,"
        " itemknn_neighbours: [200, 0.5],"
        " interactions_models: [ease, slim], interactions_repeat_weight: square,"
        " als_grid: [{factors: 0, regularization: 0.1, alpha: 1, iterations: 5}]}",
        [
            "var 'mmr_lambda' = 1.5 is outside [0, 1]",
            "vars 'segment_weight_completion' + 'segment_weight_like' + 'segment_weight_views' = 1.1 must sum to 1",
            "var 'freshness_basis' must be 'last_session' or 'published', got 'yesterday'",
            "var 'segment_prior_alpha' = 0 is outside (0, 1000000]",
            "var 'segment_as_of_date' must be null or a date 'YYYY-MM-DD', got 'March'",
            "var 'demote_flagged_instructors' must be true or false, got 'yes'",
            "var 'segment_candidates' = 3 must be >= var 'segment_list_size' = 5",
            "var 'mmr_same_trainer_similarity' = 2 is outside [0, 1]",
            "var 'mmr_lambda_grid' must be a non-empty list of numbers in [0, 1], got '[0.5, 7]'",
            "var 'interactions_adapter' must be one of None, movielens_100k, parquet, got 'csv'",
            "var 'ease_lambdas' holds 0: every value must be a number > 0",
            "var 'itemknn_neighbours' holds 0.5: every value must be a whole number >= 1",
            "var 'candidates_per_user' = 30 must be >= var 'interactions_k' = 200",
            "var 'interactions_split' must be one of per_user, last1, global, got 'random'",
            "var 'interactions_ks' = [5, 10, 20] must hold var 'interactions_k' = 200",
            "var 'interactions_models' holds 'slim': known models are popularity, bayes_average",
            "'factors' must be a number > 0",
            "var 'interactions_repeat_weight' must be one of binary, count, log, got 'square'",
        ],
    ),
]


@pytest.fixture(scope="module")
def bad_var_runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every case's dbt run, started side by side (dbt's start-up is most of each run's time)."""
    from concurrent.futures import ThreadPoolExecutor

    from recwarehouse import threads

    with ThreadPoolExecutor(max_workers=threads()) as pool:
        futures = {v: pool.submit(dbt_run_with, v, tmp_path_factory.mktemp("vars")) for v, _ in BAD_VARS}
        return {v: future.result() for v, future in futures.items()}


@pytest.mark.parametrize(("vars_yaml", "message"), BAD_VARS)
def test_bad_var_fails_before_models_run(vars_yaml: str, message: str | list[str], bad_var_runs) -> None:
    result = bad_var_runs[vars_yaml]
    assert result.returncode != 0
    for text in [message] if isinstance(message, str) else message:
        assert text in result.stdout, result.stdout[-2000:]
    assert "1 of 1 START" not in result.stdout  # no model started


def run_operation_validate_vars(vars_yaml: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(tmp_path / "v.duckdb")}
    return subprocess.run(
        [DBT, "run-operation", "validate_vars", "--vars", vars_yaml,
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_var_of_the_wrong_type_is_named_even_where_a_model_uses_it_while_parsing(tmp_path) -> None:
    # int_user_trainer_features_as_of compares decay in Jinja while dbt parses, before on-run-start
    result = dbt_run_with("{decay: '0.8'}", tmp_path)
    assert result.returncode != 0
    assert "var 'decay' must be a number in (0, 1], got '0.8'" in result.stdout, result.stdout[-2000:]
    assert "not supported between" not in result.stdout


def test_a_week_past_year_9998_is_named_not_a_crash(tmp_path) -> None:
    result = dbt_run_with("{serve_week: '9999-12-27'}", tmp_path)
    assert result.returncode != 0
    assert "var 'serve_week' = 9999-12-27 is outside the years 1000-9998" in result.stdout, result.stdout[-2000:]
    assert "out of range" not in result.stdout


def test_an_unquoted_week_is_read_as_the_date_it_is(tmp_path) -> None:
    result = run_operation_validate_vars("{validation_week: 2026-02-16, serve_week: 2026-02-23}", tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    result = run_operation_validate_vars("{validation_week: 2026-02-17}", tmp_path)  # a date, but not a Monday
    assert result.returncode != 0
    assert "var 'validation_week' = 2026-02-17 is not a Monday" in result.stdout


def test_a_misspelt_var_is_warned_about(tmp_path) -> None:
    result = run_operation_validate_vars("{K: 10, decay: 0.7}", tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "--vars key 'K' is not a var of this project, so it is ignored (did you mean 'k'?)" in result.stdout
    assert "'decay' is not a var" not in result.stdout


def test_the_known_var_names_are_the_vars_of_dbt_project_yml() -> None:
    """`project_var_names` (which the misspelling warning reads) lists exactly the project's vars."""
    import re

    import yaml

    declared = set(yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"])
    macro = (ROOT / "macros" / "validation" / "validate_vars.sql").read_text()
    body = macro[macro.index("{% macro project_var_names() %}") :].split("{% endmacro %}")[0]
    assert set(re.findall(r"'(\w+)'", body)) == declared
