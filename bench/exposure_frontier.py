"""The exposure frontier: next week's NDCG@K of the served lists against the most listed trainer's
share, for the exposure cap and for the second stage's diversity and exposure terms, on every
world of bench/served_vs_oracle.py; and the default cap it justifies.

    python bench/exposure_frontier.py                    # builds the worlds that are not built yet
    python bench/exposure_frontier.py --worlds demo

Per world (built as bench/served_vs_oracle.py builds it: on N weeks, judged on week N + 1):
  - the cap: the warehouse re-served with each `max_trainer_list_share` of CAPS (a copy of it,
    rebuilt from `int_trainer_scores_blended` down: the SQL users get), its served lists scored;
  - the re-ranker's terms: the serve week's candidates re-ranked by `greedy_rerank` with each
    diversity and exposure weight of TERMS (no learned score: the terms alone), cut to K.
The default cap is the smallest of CAPS that keeps at least NDCG_KEPT (99%) of the uncapped lists'
NDCG@K on every bench world (those of bench/ranking_vs_oracle.py); the two worlds of other seeds
check it. Each world's own point (the smallest cap that keeps 99% there) is printed beside it.
`--stored` prints the stored results again without measuring. Writes
bench/results/exposure_frontier.json, which `make report` charts for the docs site (the
`exposure_frontier` chart).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ranking_vs_oracle import WORLDS  # noqa: E402
from served_vs_oracle import OUT, SERVED_WORLDS, build, cut_week, report, reserve  # noqa: E402

from recwarehouse.trainer_ranking.rerank import (  # noqa: E402
    Blend,
    exposure_shares,
    greedy_rerank,
    intra_list_similarity,
    jaccard_matrix,
)
from recwarehouse.trainer_ranking.serving import evaluate_lists  # noqa: E402
from recwarehouse.trainer_ranking.trainer_sets import warehouse_trainer_sets  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "exposure_frontier.json"
CAPS = [None, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2]
TERMS = [("diversity", w) for w in (0.1, 0.2, 0.3, 0.5)] + [("exposure", w) for w in (0.1, 0.2, 0.3, 0.5, 0.8)]
NDCG_KEPT = 0.99  # issue 36: the default keeps at least 99% of the uncapped NDCG


def cap_point(world, cap: float | None) -> dict:
    """The served lists under `cap`, scored on next week."""
    name = reserve(world, f"{{max_trainer_list_share: {'null' if cap is None else cap}}}")
    table, s = report(world, name)
    served = table.iloc[1]
    return {"ndcg": float(served["ndcg"]), "top_share": float(served["top_share"]), "varied": float(served["varied"])}


def term_points(world) -> list[dict]:
    """The serve week's candidates re-ranked by each term of TERMS alone, scored on next week."""
    root = OUT / world.name
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    k = int(con.sql("select max(rank) from marts.fct_trainer_recommendations").fetchone()[0])
    n_catalog = con.sql("select count(*) from staging.stg_platform__trainers").fetchone()[0]
    candidates = con.sql("select * from intermediate.int_trainer_rerank_candidates where split = 'serve'").df()
    sets = warehouse_trainer_sets(con)
    labels = (
        duckdb.connect(str(root / "labels.duckdb"), read_only=True)
        .sql(
            "select user_id, trainer_id from intermediate.int_user_trainer_weeks_aggregated"
            f" where is_engaged and event_week = date '{cut_week(world)}'"
        )
        .df()
    )
    positives = labels[labels["user_id"].isin(set(candidates["user_id"]))]
    n_relevant = positives.groupby("user_id").size()
    trainers = sorted(sets)
    index = {t: i for i, t in enumerate(trainers)}
    sim = jaccard_matrix([sets[t] for t in trainers])
    framed = candidates.assign(exposure=candidates["trainer_id"].map(exposure_shares(candidates, k)).fillna(0.0))
    points = []
    for term, weight in TERMS:
        lists = greedy_rerank(framed, sim, index, Blend(**{term: weight}), k)[["user_id", "trainer_id", "rank"]]
        scored = lists[lists["user_id"].isin(n_relevant.index)]
        m = evaluate_lists(scored, positives, n_relevant, k, n_catalog)
        everyone = evaluate_lists(lists, positives, n_relevant, k, n_catalog)
        points.append(
            {
                "term": term,
                "weight": weight,
                "ndcg": float(m["ndcg_at_k"]),
                "top_share": float(everyone["top_trainer_share"]),
                "varied": float(1 - intra_list_similarity(lists, sets).mean()),
            }
        )
    return points


def smallest_cap_keeping(points: list[dict], uncapped: float) -> float | None:
    """The smallest cap whose NDCG keeps NDCG_KEPT of the uncapped lists' (None: no cap does)."""
    kept = [p["cap"] for p in points if p["cap"] is not None and p["ndcg"] >= NDCG_KEPT * uncapped]
    return min(kept) if kept else None


def default_cap(worlds: dict[str, dict]) -> float | None:
    """The smallest cap of CAPS that keeps NDCG_KEPT of the uncapped NDCG@K on every given world."""
    kept = [
        cap for cap in CAPS[1:] if all(
            next(p for p in w["caps"] if p["cap"] == cap)["ndcg"] >= NDCG_KEPT * w["caps"][0]["ndcg"]
            for w in worlds.values()
        )
    ]  # fmt: skip
    return min(kept) if kept else None


def show(worlds: dict[str, dict]) -> float | None:
    """Print every world's frontier and the default cap: chosen on the bench worlds (WORLDS),
    checked on the worlds of other seeds (OTHER_SEEDS). Returns the default."""
    for name, w in worlds.items():
        uncapped = w["caps"][0]["ndcg"]
        print(f"\n== {name}: next week's NDCG@K against the most listed trainer's share")
        print(f"{'lists':<26}{'NDCG':>8}{'% uncapped':>12}{'top share':>11}{'varied':>8}")
        named = [("uncapped" if p["cap"] is None else f"cap {p['cap']:g}", p) for p in w["caps"]]
        named += [(f"re-ranker {p['term']} {p['weight']:g}", p) for p in w["terms"]]
        for label, p in named:
            kept = 100 * p["ndcg"] / uncapped
            print(f"{label:<26}{p['ndcg']:>8.4f}{kept:>11.1f}%{p['top_share']:>10.0%}{p['varied']:>8.3f}")
    bench = {n: w for n, w in worlds.items() if n in {x.name for x in WORLDS}}
    default = default_cap(bench)
    print(
        f"\nthe default: the smallest cap that keeps {NDCG_KEPT:.0%} of the uncapped NDCG@K on every bench world"
        f" ({', '.join(bench)}): {default}; the worlds of other seeds check it"
    )
    print(f"{'world':<14}{'own point':>10}{'top share at the default':>27}{'NDCG kept':>11}")
    for name, w in worlds.items():
        uncapped = w["caps"][0]
        at = next((p for p in w["caps"] if p["cap"] == default), uncapped)
        own = w["chosen_cap"]
        role = "" if name in bench else "  (other seed: a check)"
        print(
            f"{name:<14}{'none' if own is None else f'{own:g}':>10}"
            f"{uncapped['top_share']:>16.0%} -> {at['top_share']:<6.0%}"
            f"{100 * at['ndcg'] / uncapped['ndcg']:>10.2f}%{role}"
        )
    return default


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worlds", nargs="*", default=[w.name for w in SERVED_WORLDS], help="names from SERVED_WORLDS")
    ap.add_argument("--stored", action="store_true", help="print the stored results again, measuring nothing")
    a = ap.parse_args()
    if a.stored:
        stored = json.loads(RESULTS.read_text())
        print(f"(the frontier stored in {RESULTS.name}, measured {stored.get('measured', 'earlier')})")
        show(stored["worlds"])
        return
    worlds = {}
    for world in [w for w in SERVED_WORLDS if w.name in a.worlds]:
        if not (OUT / world.name / "labels.duckdb").exists():
            build(world)
        caps = [{"cap": cap, **cap_point(world, cap)} for cap in CAPS]
        worlds[world.name] = {
            "caps": caps,
            "terms": term_points(world),
            "chosen_cap": smallest_cap_keeping(caps, caps[0]["ndcg"]),
        }
    default = show(worlds)
    if set(a.worlds) >= {w.name for w in SERVED_WORLDS}:
        measured = str(date.today())
        RESULTS.write_text(
            json.dumps(
                {"ndcg_kept": NDCG_KEPT, "default_cap": default, "measured": measured, "worlds": worlds}, indent=1
            )
        )
        print(f"\nwrote bench/results/{RESULTS.name}")


if __name__ == "__main__":
    from recorded import recorded

    recorded("exposure_frontier", main)()
