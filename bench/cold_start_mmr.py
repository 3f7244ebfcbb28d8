"""Cold-start segment lists: MMR against the plain top list, and how long MMR takes.

    python bench/cold_start_mmr.py [--warehouse warehouse.duckdb]     (run `make build` first)

Reads the candidates the build wrote (intermediate.int_segment_candidates_filled) and re-runs the
same MMR code for several lambdas: mean intra-list tag similarity (lower = more diverse), mean
relevance, relevance kept against the plain top list, and the wall time of one vectorised pass
over all segments (best of 5). Issue 4's target: all segments in well under a second.

Then, per warehouse given (e.g. the four worlds of bench/served_vs_oracle.py), the same-instructor
term (var `mmr_same_trainer_similarity`, issue 17) at lambda 0.5: distinct instructors per list,
segments whose list shows at most two instructors, and the relevance and tag diversity it costs.

    python bench/cold_start_mmr.py --worlds bench/out/served/*/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import time

import duckdb

from recwarehouse.cold_start.mmr import mmr_tradeoff, rerank_segments

TRAINER_SIMILARITIES = (0.0, 0.3, 0.5, 0.7)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warehouse", default="warehouse.duckdb")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--worlds", nargs="*", default=[], help="warehouses for the same-instructor table")
    a = ap.parse_args()
    con = duckdb.connect(a.warehouse, read_only=True)
    candidates = con.sql("select * from intermediate.int_segment_candidates_filled").df()
    tags = con.sql("select * from staging.stg_platform__workout_tags").df()
    catalogue = sorted(w for (w,) in con.sql("select workout_id from staging.stg_platform__workouts").fetchall())
    n_segments = candidates["segment_key"].nunique()
    print(f"{n_segments} segments, {len(candidates)} candidates, {len(catalogue)} workouts, K = {a.k}")
    print(f"{'list':<16}{'intra-list sim':>16}{'mean relevance':>16}{'relevance kept':>16}{'seconds':>10}")
    plain_printed = False
    for lam in (1.0, 0.7, 0.5, 0.3, 0.0):
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            _, comparison = rerank_segments(candidates, tags, catalogue, k=a.k, lam=lam)
            best = min(best, time.perf_counter() - t0)
        if not plain_printed:
            print(
                f"{'plain top-' + str(a.k):<16}{comparison.plain_intra_list_similarity.mean():>16.4f}"
                f"{comparison.plain_mean_relevance.mean():>16.4f}{1.0:>16.3f}{'':>10}"
            )
            plain_printed = True
        print(
            f"{'MMR lambda ' + str(lam):<16}{comparison.mmr_intra_list_similarity.mean():>16.4f}"
            f"{comparison.mmr_mean_relevance.mean():>16.4f}{comparison.relevance_kept.mean():>16.3f}{best:>10.4f}"
        )
    if a.worlds:
        print(f"\n{'warehouse':<44}{'instructor sim':>15}{'instructors':>13}{'<= 2 instr.':>13}{'relevance kept':>16}"
              f"{'tag ILS':>9}")  # fmt: skip
    for path in a.worlds:
        con = duckdb.connect(path, read_only=True)
        candidates = con.sql("select * from intermediate.int_segment_candidates_filled").df()
        tags = con.sql("select * from staging.stg_platform__workout_tags").df()
        catalogue = sorted(w for (w,) in con.sql("select workout_id from staging.stg_platform__workouts").fetchall())
        rows = [mmr_tradeoff(candidates, tags, catalogue, a.k, [1.0], 0.0).assign(label="plain top list")]
        for s in TRAINER_SIMILARITIES:
            rows.append(mmr_tradeoff(candidates, tags, catalogue, a.k, [0.5], s).assign(label=f"{s:g}"))
        for r in [row for table in rows for row in table.itertuples()]:
            print(f"{path[-44:]:<44}{r.label:>15}{r.mean_distinct_trainers:>13.2f}"
                  f"{f'{r.segments_with_at_most_two_trainers}/{r.segments}':>13}{r.mean_relevance_kept:>16.3f}"
                  f"{r.mean_intra_list_similarity:>9.4f}")  # fmt: skip


if __name__ == "__main__":
    from recorded import recorded

    recorded("cold_start_mmr", main)()
