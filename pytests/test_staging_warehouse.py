"""On the corrupted test data: every bad row is rejected with its reason, every good row staged."""

from __future__ import annotations

import re

import pytest

from recwarehouse.demo.catalog import RAW_TABLES as TABLES

pytestmark = pytest.mark.warehouse


@pytest.mark.parametrize("table", TABLES)
def test_good_rows_staged_and_bad_rows_rejected(warehouse, corruption_manifest, table: str) -> None:
    staged = warehouse.sql(f"select count(*) from staging.stg_platform__{table}").fetchone()[0]
    assert staged == corruption_manifest["clean_rows"][table]
    reasons = sorted(
        r for (r,) in warehouse.sql(f"select reject_reason from staging.stg_platform__{table}_rejected").fetchall()
    )
    assert reasons == sorted(row["reason"] for row in corruption_manifest["added"][table])


def test_reject_share_test_fails_naming_table_and_reasons(warehouse, tmp_path) -> None:
    """With a threshold below the corrupted data's reject share, the data test fails and its stored
    failure row names the table and the top reasons."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    dbt = str(Path(sys.executable).with_name("dbt"))
    db = os.environ["RECWAREHOUSE_TEST_DB"]
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(Path(db).read_bytes())
    env = {**os.environ, "DBT_PROFILES_DIR": str(root), "RECWAREHOUSE_TEST_DB": str(copy)}
    result = subprocess.run(
        [dbt, "test", "--target", "test", "--select", "reject_share_below_base_platform__trainers_checked_",
         "--store-failures", "--vars", "{raw_data_path: data/test, reject_share_threshold: 0.01}",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode != 0
    assert "reject_share_below_base_platform__trainers_checked" in result.stdout
    # on screen: the table, the share, the limit, the commonest reasons and the var to raise
    assert re.search(
        r"base_platform__trainers_checked: \d+\.\d% of its \d+ rows are rejected \(\d+\), above the limit of 1\.0%;"
        r" commonest reasons: price_per_session not a finite number \(2\); .*Fix those rows \(each is in"
        r" stg_platform__trainers_rejected with its reason\) or raise var reject_share_threshold",
        " ".join(result.stdout.split()),
    ), result.stdout[-3000:]
    import duckdb

    with duckdb.connect(str(copy), read_only=True) as con:
        table, top = con.sql(
            "select table_name, top_reasons from dbt_test__audit.reject_share_below_base_platform__trainers_checked_"
        ).fetchone()
    assert table == "base_platform__trainers_checked"
    assert "price_per_session not a finite number (2)" in top  # the commonest reason first
