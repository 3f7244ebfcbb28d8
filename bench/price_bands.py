"""Price bands against the truth: calibration and the revenue a suggestion earns.

    python bench/price_bands.py [--worlds demo small-s101 wide-s202 large-s303]   (about 1 min a world)

Per generated world (the worlds of bench/ranking_vs_oracle.py), builds only the price path
(`dbt build --select +fct_trainer_price_suggestions +fct_price_band_evaluation`) and prints:

* calibration, as a rolling backtest over the weeks before the serve week: the share of each
  week's accepted prices inside the bands learned from the weeks before it, against the nominal
  coverage (`fct_price_band_evaluation`);
* revenue in the serve week: the expected revenue per booking request of each trainer under the
  generator's true acceptance curve (`recwarehouse.demo.bookings.acceptance`, with each trainer's
  quality, market and requesters' budget mix from `truth/price_truth.parquet`), at the suggested
  `optimal_price`, at the market-median rule (comparable trainers' median accepted price), at the
  trainer's current list price, and at the true optimum (best of a fine grid), as % of the optimum.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

from recwarehouse.demo.bookings import acceptance

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "prices"
DBT = str(Path(sys.executable).with_name("dbt"))
sys.path.insert(0, str(ROOT / "bench"))
from ranking_vs_oracle import WORLDS  # noqa: E402


def build(world) -> tuple[Path, Path, float]:
    data, db = OUT / world.name / "data", OUT / world.name / "warehouse.duckdb"
    subprocess.run(
        [sys.executable, "-m", "recwarehouse.demo.generate", "--users", str(world.users), "--trainers",
         str(world.trainers), "--workouts", str(world.workouts), "--weeks", str(world.weeks), "--seed",
         str(world.seed), "--out", str(data)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    db.unlink(missing_ok=True)
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "RECWAREHOUSE_DB": str(db)}
    started = time.perf_counter()
    result = subprocess.run(
        [DBT, "build", "--select", "+fct_trainer_price_suggestions", "+fct_price_band_evaluation",
         "--indirect-selection", "cautious",
         "--vars", f"{{raw_data_path: '{data}'}}", "--target-path", str(OUT / world.name / "target"),
         "--log-path", str(OUT / world.name / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"{world.name}: dbt build failed:\n{result.stdout[-3000:]}")
    return db, data / "truth", time.perf_counter() - started


def revenue(db: Path, truth: Path) -> dict[str, float]:
    con = duckdb.connect(str(db), read_only=True)
    frame = con.sql(
        f"""
        select s.trainer_id, s.optimal_price, s.current_price, s.method,
               coalesce(s.market_median_accepted_price, s.current_price) as market_rule_price,
               t.quality, t.comparable_median_price, t.share_budget_low, t.share_budget_mid, t.share_budget_high
        from marts.fct_trainer_price_suggestions s
        inner join read_parquet('{truth}/price_truth.parquet') t using (trainer_id)
        """
    ).df()
    mix = frame[["share_budget_low", "share_budget_mid", "share_budget_high"]].to_numpy()
    quality, market = frame["quality"].to_numpy(), frame["comparable_median_price"].to_numpy()

    def earned(price: np.ndarray) -> np.ndarray:
        return price * acceptance(price, quality, market, mix)

    grid = np.linspace(10, 200, 761)
    best = np.max([earned(np.full(len(frame), p)) for p in grid], axis=0)
    out = {
        name: float(earned(frame[column].to_numpy()).sum() / best.sum())
        for name, column in [("suggested", "optimal_price"), ("market rule", "market_rule_price"),
                             ("current price", "current_price")]
    }  # fmt: skip
    out["learned share"] = float((frame["method"] == "learned").mean())
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worlds", nargs="*", default=[w.name for w in WORLDS], help="names from WORLDS")
    a = ap.parse_args()
    header = (
        f"{'world':<12}{'build s':>8}{'learned':>9}{'in band':>9}{'nominal':>9}{'accepted':>10}"
        f"{'suggested':>11}{'market rule':>13}{'current':>9}"
    )
    print("expected revenue per request as % of the true optimum (serve week); calibration over the earlier weeks")
    print(header)
    rows = []
    for world in [w for w in WORLDS if w.name in a.worlds]:
        db, truth, seconds = build(world)
        with duckdb.connect(str(db), read_only=True) as con:
            inside, nominal, n = con.sql(
                "select share_inside_band, nominal_coverage, accepted_bookings from marts.fct_price_band_evaluation"
                " where method = 'all'"
            ).fetchone()
        r = revenue(db, truth)
        rows.append(r)
        print(
            f"{world.name:<12}{seconds:>8.1f}{r['learned share']:>9.0%}{inside:>9.1%}{nominal:>9.0%}{n:>10,}"
            f"{r['suggested']:>11.1%}{r['market rule']:>13.1%}{r['current price']:>9.1%}"
        )
    if rows:
        mean = {k: np.mean([r[k] for r in rows]) for k in rows[0]}
        print(f"{'mean':<12}{'':>8}{'':>9}{'':>9}{'':>9}{'':>10}{mean['suggested']:>11.1%}"
              f"{mean['market rule']:>13.1%}{mean['current price']:>9.1%}")  # fmt: skip


if __name__ == "__main__":
    from recorded import recorded

    recorded("price_bands", main)()
