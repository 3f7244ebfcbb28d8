"""Charts for the docs site: query a built warehouse and draw PNGs into a folder of dbt's
`asset-paths` (`assets/charts/`), where the model descriptions embed them (models/docs/charts.md).

    python -m recwarehouse.report                        # warehouse.duckdb -> assets/charts/
    python -m recwarehouse.report --warehouse test_warehouse.duckdb --out /tmp/charts

`make report` runs it, and `make build` runs it after the dbt build; then `dbt docs generate`
copies the folder into the site. Every chart is always written: when its data is not there (the
interactions path not built, no backtest run, no benchmark output) the picture says what to run,
so no page of the site shows a broken image. Reads the warehouse read-only.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from recwarehouse.progress import log  # noqa: E402

CHARTS = {
    "leaderboard": "ranker leaderboard beside the oracle and popularity",
    "ndcg_recall_by_k": "NDCG and recall against K (interactions path)",
    "mmr_tradeoff": "MMR: intra-list similarity against relevance kept, across lambda",
    "backtest": "backtest: engagement rate by rank and by mode",
    "exposure": "trainer exposure: Lorenz curve and share of lists per trainer",
    "rejects": "reject reasons per raw table",
    "scale_ladder": "the scale ladder (bench/scale.py)",
    "exposure_frontier": "the exposure frontier: next week's NDCG against the most listed trainer's share",
    "price_bands": "price bands per trainer: the band, the suggestion and the current price",
    "goal_speciality_feedback": "the goal map against what people say: wrong-speciality rate per goal and speciality",
}
DPI = 110

# the docs site's pages (routes of `target/index.html#!/...`) and the charts each embeds; the
# docs-site test checks them in a browser and `make docs-screenshots` photographs them
DOCS_PAGES = {
    "overview": ["leaderboard", "exposure", "exposure_frontier", "rejects", "scale_ladder"],
    "model/model.recwarehouse.fct_ranker_leaderboard": ["leaderboard"],
    "model/model.recwarehouse.fct_interaction_eval_summary": ["ndcg_recall_by_k"],
    "model/model.recwarehouse.fct_segment_mmr_tradeoff": ["mmr_tradeoff"],
    "model/model.recwarehouse.fct_segment_diversity_comparison": ["mmr_tradeoff"],
    "model/model.recwarehouse.fct_recommendation_outcomes": ["backtest"],
    "model/model.recwarehouse.fct_trainer_exposure": ["exposure", "exposure_frontier"],
    "model/model.recwarehouse.stg_platform__events_rejected": ["rejects"],
    "model/model.recwarehouse.fct_trainer_price_suggestions": ["price_bands"],
    "model/model.recwarehouse.fct_goal_speciality_feedback": ["goal_speciality_feedback"],
}


class MissingDataError(Exception):
    """The chart's data is not in the warehouse (or the benchmark folder); the text says what to run."""


def _table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> pd.DataFrame:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchone()[0]
    if not exists:
        raise MissingDataError(f"{schema}.{name} is not in this warehouse")
    return con.sql(f"select * from {schema}.{name}").df()


def _day(value) -> str:
    return str(pd.Timestamp(value).date())


def _placeholder(title: str, message: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 2.2))
    ax.axis("off")
    ax.text(0.5, 0.62, title, ha="center", va="center", fontsize=12, weight="bold")
    ax.text(0.5, 0.3, f"No data yet: {message}", ha="center", va="center", fontsize=10, wrap=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def leaderboard(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    board = _table(con, "marts", "fct_ranker_leaderboard").sort_values("ndcg_at_k")
    k = int(board["k"].iloc[0])
    worlds = ctx["worlds"]
    fig, axes = plt.subplots(1, 2 if worlds else 1, figsize=(12 if worlds else 7, 3.8), squeeze=False)
    ax = axes[0][0]
    colours = ["tab:green" if s else ("tab:gray" if a == "popularity" else "tab:blue")
               for a, s in zip(board["algorithm"], board["is_selected"], strict=True)]  # fmt: skip
    ax.barh(board["algorithm"], board["ndcg_at_k"], color=colours)
    for y, v in enumerate(board["ndcg_at_k"]):
        ax.text(v, y, f" {v:.3f}", va="center", fontsize=8)
    oracle = ctx["oracle"]
    if oracle is not None:
        for name, style in [("oracle (all trainers)", "-"), ("oracle (candidates)", "--")]:
            value = float(oracle.loc[oracle["ranker"] == name, "ndcg"].iloc[0])
            ax.axvline(value, color="tab:red", linestyle=style, label=f"{name}: {value:.3f}")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel(f"validation NDCG@{k} (green: chosen, grey: popularity)")
    ax.set_title(f"This warehouse, validation week {_day(board['validation_week'].iloc[0])}")
    if worlds:
        ax = axes[0][1]
        names = list(worlds)
        x = np.arange(len(names))
        chosen = [worlds[n]["pct_oracle"] for n in names]
        popularity = [worlds[n]["pct_oracle"] / worlds[n]["lift"] for n in names]
        ax.bar(x - 0.2, chosen, 0.4, label="chosen ranker", color="tab:green")
        ax.bar(x + 0.2, popularity, 0.4, label="popularity", color="tab:gray")
        ax.scatter(x - 0.2, [100 * worlds[n]["target"] for n in names], marker="_", s=400, color="tab:red",
                   label="target", zorder=3)  # fmt: skip
        ax.axhline(100, color="tab:red", linewidth=0.8)
        ax.set_xticks(x, names)
        ax.set_ylabel("% of the oracle's NDCG (100 = oracle)")
        ax.set_title("Generated worlds (bench/ranking_vs_oracle.py)")
        ax.legend(fontsize=8, loc="best")
    return fig


def ndcg_recall_by_k(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    try:
        table = _table(con, "marts", "fct_interaction_eval_summary")
    except MissingDataError as e:
        raise MissingDataError(
            "the interactions path is not built (make movielens, or set var interactions_adapter)"
        ) from e
    table = table[table["fold"] == "test"].sort_values(["model", "k"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for model, rows in table.groupby("model"):
        for ax, column in zip(axes, ["ndcg_at_k", "recall_at_k"], strict=True):
            ax.plot(rows["k"], rows[column], marker="o", label=model)
    for ax, name in zip(axes, ["NDCG@K", "recall@K"], strict=True):
        ax.set_xlabel("K")
        ax.set_ylabel(name)
        ax.set_xticks(sorted(table["k"].unique()))
        ax.set_title(f"{name} on the test fold, per model")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def mmr_tradeoff(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    table = _table(con, "marts", "fct_segment_mmr_tradeoff").sort_values("mmr_lambda")
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for trainer_similarity, rows in table.groupby("same_trainer_similarity"):
        label = "tags only" if trainer_similarity == 0 else f"same instructor >= {trainer_similarity:g}"
        axes[0].plot(rows["mean_relevance_kept"], rows["mean_intra_list_similarity"], marker="o", label=label)
        for r in rows.itertuples():
            axes[0].annotate(f"{r.mmr_lambda:g}", (r.mean_relevance_kept, r.mean_intra_list_similarity),
                             fontsize=7, xytext=(3, 3), textcoords="offset points")  # fmt: skip
        axes[1].plot(rows["mmr_lambda"], rows["mean_distinct_trainers"], marker="o", label=label)
    served = table[table["is_served_setting"]]
    axes[0].scatter(served["mean_relevance_kept"], served["mean_intra_list_similarity"], s=160,
                    facecolors="none", edgecolors="tab:red", label="served setting", zorder=3)  # fmt: skip
    axes[0].set_xlabel("relevance kept (share of the plain top list's)")
    axes[0].set_ylabel("mean tag intra-list similarity")
    axes[0].set_title("Diversity against relevance (labels: lambda)")
    axes[0].legend(fontsize=8)
    axes[1].set_xlabel("lambda (1 = plain top list)")
    axes[1].set_ylabel("distinct instructors per list")
    axes[1].set_title("Instructors per cold-start list")
    axes[1].legend(fontsize=8)
    return fig


def backtest(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    outcomes = _table(con, "marts", "fct_recommendation_outcomes")
    source = "this warehouse"
    if outcomes.empty and ctx["backtest"] is not None and ctx["backtest"].exists():
        with duckdb.connect(str(ctx["backtest"]), read_only=True) as other:
            outcomes = _table(other, "marts", "fct_recommendation_outcomes")
        source = ctx["backtest"].name
    if outcomes.empty:
        raise MissingDataError(
            "no served week has outcomes yet (make backtest serves the demo's weeks and measures them)"
        )
    outcomes = outcomes.assign(engaged=outcomes["engagement_rate"] * outcomes["served_rows"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    by_rank = outcomes.groupby(["mode_used", "rank"], as_index=False)[["engaged", "served_rows"]].sum()
    for mode, rows in by_rank.groupby("mode_used"):
        axes[0].plot(rows["rank"], rows["engaged"] / rows["served_rows"], marker="o", label=mode)
    axes[0].set_xlabel("rank in the served list")
    axes[0].set_xticks(sorted(by_rank["rank"].unique()))
    axes[0].set_ylabel("engagement rate (in the week served)")
    axes[0].set_title(f"By rank ({source})")
    axes[0].legend(fontsize=8)
    by_mode = outcomes.groupby("mode_used", as_index=False)[["engaged", "served_rows"]].sum()
    axes[1].bar(by_mode["mode_used"], by_mode["engaged"] / by_mode["served_rows"], color="tab:blue")
    axes[1].set_ylabel("engagement rate")
    axes[1].set_title("By mode, all served rows")
    return fig


def exposure(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    table = _table(con, "marts", "fct_trainer_exposure")
    if table.empty:
        raise MissingDataError("nothing has been served yet")
    table = table[table["serve_week"] == table["serve_week"].max()]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for mode, rows in table.groupby("mode_used"):
        lists = np.sort(rows["lists"].to_numpy(dtype=float))
        cumulative = np.concatenate([[0.0], np.cumsum(lists) / max(lists.sum(), 1.0)])
        share = np.linspace(0, 1, len(cumulative))
        gini, coverage = rows["gini_exposure"].iloc[0], rows["catalog_coverage"].iloc[0]
        axes[0].plot(share, cumulative, label=f"{mode}: Gini {gini:.2f}, coverage {coverage:.0%}")
    axes[0].plot([0, 1], [0, 1], color="gray", linestyle=":", label="equal exposure")
    axes[0].set_xlabel("share of trainers (least listed first)")
    axes[0].set_ylabel("share of list slots")
    axes[0].set_title(f"Lorenz curve of exposure, serve week {_day(table['serve_week'].iloc[0])}")
    axes[0].legend(fontsize=8)
    top = table.sort_values(["share_of_lists", "trainer_id"], ascending=[False, True]).head(15).iloc[::-1]
    axes[1].barh(top["trainer_name"] + " (" + top["trainer_id"] + ")", top["share_of_lists"], color="tab:blue")
    axes[1].set_xlabel("share of users whose list shows the trainer")
    axes[1].set_title("The 15 most listed trainers")
    axes[1].tick_params(axis="y", labelsize=8)
    return fig


def rejects(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    tables = con.sql(
        "select table_name from information_schema.tables where table_schema = 'staging' "
        "and table_name like '%\\_rejected' escape '\\' order by table_name"
    ).fetchall()
    if not tables:
        raise MissingDataError("no staging reject tables in this warehouse")
    parts = [
        f"select '{t}' as raw_table, reject_reason, count(*) as n from staging.{t} group by all" for (t,) in tables
    ]
    counts = con.sql(" union all ".join(parts)).df()
    fig, ax = plt.subplots(figsize=(10, 0.5 + 0.45 * max(len(tables), 2)))
    names = [t.removeprefix("stg_").removesuffix("_rejected") for (t,) in tables]
    if counts.empty:
        ax.barh(names, [0] * len(names))
        for y in range(len(names)):
            ax.text(0.01, y, "0 rows rejected", va="center", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_xticks([])
        ax.set_title("Rejected rows per raw table: none, every raw row passed its checks")
        return fig
    pivot = counts.pivot_table(index="raw_table", columns="reject_reason", values="n", fill_value=0)
    pivot = pivot.reindex([t for (t,) in tables], fill_value=0)
    left = np.zeros(len(pivot))
    cmap = plt.get_cmap("tab20")
    for i, reason in enumerate(pivot.columns):
        ax.barh(names, pivot[reason], left=left, label=reason, color=cmap(i % 20))
        left += pivot[reason].to_numpy()
    for y, total in enumerate(left):
        ax.text(total, y, f" {int(total):,}", va="center", fontsize=8)
    ax.set_xlabel("rows rejected (staging.*_rejected)")
    ax.set_title("Why raw rows were rejected, per raw table")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def price_bands(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    table = _table(con, "marts", "fct_trainer_price_suggestions")
    if table.empty:
        raise MissingDataError("no trainer has a price suggestion yet")
    # the 25 trainers with the most bookings, cheapest suggestion at the bottom
    top = table.sort_values(["own_bookings", "trainer_id"], ascending=[False, True]).head(25)
    top = top.sort_values(["optimal_price", "trainer_id"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(10, 0.28 * len(top) + 1.6))
    y = np.arange(len(top))
    colours = top["method"].map({"learned": "tab:green", "market_rule": "tab:orange"}).fillna("tab:gray")
    ax.hlines(y, top["min_price"], top["max_price"], colors=colours, linewidth=6, alpha=0.45)
    ax.scatter(top["optimal_price"], y, color=colours, zorder=3, label="suggested price (band: min to max)")
    ax.scatter(top["current_price"], y, marker="|", s=160, color="black", zorder=4, label="current price")
    ax.set_yticks(y, top["trainer_name"] + " (" + top["trainer_id"] + ", " + top["method"].str.replace("_", " ") + ")",
                  fontsize=8)  # fmt: skip
    ax.set_xlabel("price per session")
    ax.set_title(f"Price bands, serve week {_day(top['serve_week'].iloc[0])}: the 25 most booked trainers")
    ax.legend(fontsize=8, loc="best")
    return fig


def goal_speciality_feedback(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    table = _table(con, "marts", "fct_goal_speciality_feedback")
    if table.empty:
        raise MissingDataError("no recommendation feedback in this warehouse (recommendation_feedback.parquet)")
    judged = table.assign(
        rate=table["wrong_speciality_rate_smoothed"].where(~table["review"].str.startswith("too little"))
    )
    rates = judged.pivot(index="goal", columns="speciality", values="rate")  # too little feedback: blank
    goals, specialities = list(rates.index), list(rates.columns)
    fig, ax = plt.subplots(figsize=(0.9 * len(specialities) + 3.5, 0.55 * len(goals) + 2.8))
    top = max(float(np.nan_to_num(rates.max().max())), 0.01)
    image = ax.imshow(rates.to_numpy(dtype=float), cmap="Reds", vmin=0, vmax=top)
    marks = {
        "in the goal map": ("black", "-"),
        "candidate for the goal map": ("tab:green", "--"),
        "in the goal map, rejected": ("tab:purple", ":"),
    }
    for row in table.itertuples():
        y, x = goals.index(row.goal), specialities.index(row.speciality)
        enough = not row.review.startswith("too little")
        dark = enough and row.wrong_speciality_rate_smoothed > 0.6 * top
        ax.text(x, y, f"{row.wrong_speciality_rate_smoothed:.0%}" if enough else "?", ha="center", va="center",
                fontsize=8, color="white" if dark else "black")  # fmt: skip
        if row.review.startswith("not in the goal map"):
            colour, style = marks["candidate for the goal map"]
        elif row.review.startswith("in the goal map"):
            colour, style = marks["in the goal map, rejected"]
        elif row.is_goal_match:
            colour, style = marks["in the goal map"]
        else:
            continue
        ax.add_patch(plt.Rectangle((x - 0.45, y - 0.45), 0.9, 0.9, fill=False, edgecolor=colour, linestyle=style,
                                   linewidth=2))  # fmt: skip
    for label, (colour, style) in marks.items():
        ax.plot([], [], color=colour, linestyle=style, linewidth=2, label=label)
    ax.set_xticks(range(len(specialities)), [s.replace("_", " ") for s in specialities], rotation=30, ha="right")
    ax.set_yticks(range(len(goals)), [g.replace("_", " ") for g in goals])
    ax.set_xlabel("trainer speciality")
    ax.set_ylabel("user goal")
    ax.set_title("How often people with a goal said 'wrong speciality' (? = too little feedback)")
    fig.colorbar(image, ax=ax, fraction=0.03, label="wrong-speciality share of feedback (smoothed)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=3)
    return fig


def scale_ladder(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    path = ctx["bench"] / "scale" / "ladder.json"
    if not path.exists():
        raise MissingDataError("no stored ladder (make bench-scale writes bench/out/scale/ladder.json)")
    rows = json.loads(path.read_text())["rows"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    events = [r["events"] / 1e6 for r in rows]
    axes[0].plot(events, [r["wall"] for r in rows], marker="o")
    for r, x in zip(rows, events, strict=True):
        axes[0].annotate(r["name"], (x, r["wall"]), fontsize=8, xytext=(3, 3), textcoords="offset points")
    axes[0].set_xlabel("events (millions)")
    axes[0].set_ylabel("full build, wall seconds")
    axes[0].set_title("Build time against data size")
    axes[1].plot(events, [r["rss_gib"] for r in rows], marker="o", color="tab:orange")
    axes[1].set_xlabel("events (millions)")
    axes[1].set_ylabel("peak RSS (GiB)")
    axes[1].set_title("Peak memory against data size")
    return fig


def exposure_frontier(con: duckdb.DuckDBPyConnection, ctx: dict) -> plt.Figure:
    """From the frontier bench's stored results (bench/results/exposure_frontier.json, beside the
    benchmark output folder), not the warehouse."""
    path = ctx["bench"].parent / "results" / "exposure_frontier.json"
    if not path.exists():
        raise MissingDataError("no stored frontier (python bench/exposure_frontier.py writes it)")
    stored = json.loads(path.read_text())
    worlds, kept, default = stored["worlds"], stored["ndcg_kept"], stored["default_cap"]
    columns = min(3, len(worlds))
    rows = -(-len(worlds) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False)
    for ax, (name, world) in zip(axes.flat, worlds.items(), strict=False):
        uncapped = world["caps"][0]["ndcg"]
        caps = world["caps"]
        ax.plot([p["top_share"] for p in caps], [100 * p["ndcg"] / uncapped for p in caps], marker="o", label="cap")
        for p in caps[1:]:
            ax.annotate(f"{p['cap']:g}", (p["top_share"], 100 * p["ndcg"] / uncapped), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")  # fmt: skip
        for term, style in (("exposure", "--"), ("diversity", ":")):
            points = [caps[0]] + [p for p in world["terms"] if p["term"] == term]
            ax.plot([p["top_share"] for p in points], [100 * p["ndcg"] / uncapped for p in points],
                    linestyle=style, marker=".", label=f"re-ranker {term} term")  # fmt: skip
        at = next((p for p in caps if p["cap"] == default), None)
        if at is not None:
            ax.scatter([at["top_share"]], [100 * at["ndcg"] / uncapped], s=120, facecolors="none",
                       edgecolors="red", zorder=3, label=f"default cap {default:g}")  # fmt: skip
        ax.axhline(100 * kept, color="gray", linestyle=":", linewidth=1)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("most listed trainer's share of lists")
        ax.set_ylabel("NDCG@K, % of uncapped")
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    for ax in list(axes.flat)[len(worlds) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Exposure frontier, next week (grey line: {kept:.0%} of the uncapped NDCG)", fontsize=11)
    return fig


DRAW: dict[str, Callable[[duckdb.DuckDBPyConnection, dict], plt.Figure]] = {
    "leaderboard": leaderboard,
    "ndcg_recall_by_k": ndcg_recall_by_k,
    "mmr_tradeoff": mmr_tradeoff,
    "backtest": backtest,
    "exposure": exposure,
    "rejects": rejects,
    "scale_ladder": scale_ladder,
    "exposure_frontier": exposure_frontier,
    "price_bands": price_bands,
    "goal_speciality_feedback": goal_speciality_feedback,
}


def _oracle(warehouse: Path, truth: Path | None) -> pd.DataFrame | None:
    if truth is None or not (truth / "propensities.parquet").exists():
        return None
    from recwarehouse.trainer_ranking.oracle import leaderboard_vs_oracle

    try:
        table, _ = leaderboard_vs_oracle(warehouse, truth)
    except (duckdb.Error, KeyError, IndexError, ValueError) as e:  # truth of another world, or no leaderboard
        log(f"report: no oracle line ({type(e).__name__}: {e})")
        return None
    return table


def render(warehouse: Path, out: Path, truth: Path | None = None, backtest_db: Path | None = None,
           bench: Path = Path("bench/out")) -> dict[str, str]:  # fmt: skip
    """Write every chart of CHARTS into `out` as <name>.png; returns {name: 'drawn' | 'no data: ...'}."""
    if not warehouse.exists():
        raise SystemExit(f"report: warehouse {warehouse} does not exist (run `make build` first)")
    out.mkdir(parents=True, exist_ok=True)
    worlds_file = bench / "worlds" / "summary.json"
    ctx = {
        "oracle": _oracle(warehouse, truth),
        "worlds": json.loads(worlds_file.read_text()) if worlds_file.exists() else {},
        "backtest": backtest_db,
        "bench": bench,
    }
    status = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, draw in DRAW.items():
            path = out / f"{name}.png"
            try:
                fig = draw(con, ctx)
            except MissingDataError as e:
                _placeholder(CHARTS[name], str(e), path)
                status[name] = f"no data: {e}"
            else:
                fig.tight_layout()
                fig.savefig(path, dpi=DPI)
                plt.close(fig)
                status[name] = "drawn"
            log(f"report: {path} ({status[name]})")
    return status


def screenshots(site: Path, out: Path) -> list[Path]:
    """PNG screenshots of every page of DOCS_PAGES from a static site (`dbt docs generate --static`),
    taken by headless Chromium."""
    import shutil
    import subprocess

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("screenshots need Debian's chromium: sudo apt-get install chromium")
    if not site.exists():
        raise SystemExit(f"{site} does not exist: run `dbt docs generate --static` first")
    out.mkdir(parents=True, exist_ok=True)
    manifest = site.parent / "manifest.json"
    nodes = set(json.loads(manifest.read_text())["nodes"]) if manifest.exists() else None
    shots = []
    for page in DOCS_PAGES:
        if nodes is not None and page.startswith("model/") and page.removeprefix("model/") not in nodes:
            log(f"report: no screenshot of {page}: the model is not built with these vars")
            continue
        path = out / f"{page.split('.')[-1].replace('/', '_')}.png"
        subprocess.run(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--window-size=1300,1800", "--virtual-time-budget=8000", f"--screenshot={path}",
             f"{site.resolve().as_uri()}#!/{page}"],
            check=True, capture_output=True,
        )  # fmt: skip
        log(f"report: screenshot {path}")
        shots.append(path)
    return shots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", type=Path, default=Path(os.environ.get("RECWAREHOUSE_DB", "warehouse.duckdb")))
    ap.add_argument("--out", type=Path, default=Path("assets/charts"))
    ap.add_argument("--truth", type=Path, default=Path("data/demo/truth"),
                    help="the generator's truth folder, for the oracle line (skipped when absent)")  # fmt: skip
    ap.add_argument("--backtest", type=Path, default=Path("backtest.duckdb"),
                    help="outcomes from `make backtest`, used when the warehouse has none")  # fmt: skip
    ap.add_argument("--bench", type=Path, default=Path("bench/out"), help="stored benchmark output")
    ap.add_argument("--screenshots", type=Path, help="instead: photograph the static docs site's chart pages here")
    ap.add_argument("--site", type=Path, default=Path("target/static_index.html"), help="with --screenshots")
    a = ap.parse_args()
    if a.screenshots:
        screenshots(a.site, a.screenshots)
        return
    render(a.warehouse, a.out, a.truth, a.backtest, a.bench)


if __name__ == "__main__":
    main()
