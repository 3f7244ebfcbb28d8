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


@pytest.mark.parametrize(
    ("vars_yaml", "message"),
    [
        ("{k: -1}", "var 'k' = -1 is outside [1, 1000]"),
        ("{decay: 7}", "var 'decay' = 7 is outside (0, 1]"),
        ("{decay: 0}", "var 'decay' = 0 is outside (0, 1]"),
        ("{k: 2.5}", "var 'k' must be a whole number"),
        ("{exploration_rate: 'lots'}", "var 'exploration_rate' must be a number"),
        ("{serve_week: '2026-03-04'}", "var 'serve_week' = 2026-03-04 is not a Monday"),
        ("{k: 40}", "var 'min_candidates_per_user' = 30 must be >= var 'k' = 40"),
    ],
)
def test_bad_var_fails_before_models_run(vars_yaml: str, message: str, tmp_path: Path) -> None:
    result = dbt_run_with(vars_yaml, tmp_path)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout[-2000:]
    assert "1 of 1 START" not in result.stdout  # no model started
