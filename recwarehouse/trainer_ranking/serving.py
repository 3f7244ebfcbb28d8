"""How the weekly trainer lists are served, chosen on the lists as served.

Serving ranks each user's candidates by

    final_score = rule_weight * rule_score_scaled + model_weight * model_score_scaled

with model_weight = 1 - rule_weight and both scores min-max scaled within the user's candidates
(``int_trainer_scores_scaled``); ties go to the smaller trainer id. Rule weight 1 is the
``rule_based`` mode, 0 the ``model`` mode, anything between an ``ensemble``. The SQL that serves
(``int_trainer_scores_blended``) reads the chosen weights from ``ml_serving_selection``, which
``select_serving`` fills, so the lists evaluated here and the lists served are the same lists.

``recommendation_mode`` = ``auto`` (the default) evaluates every rule weight of the grid on the
validation week, top K of each user's candidates exactly as they would be served, and keeps the
best NDCG@K; with a tolerance it keeps the largest rule weight within that much of the best (rule
scores come with reasons a person can check, but only when they cost less than the tolerance).
``rule_based``, ``model`` and ``ensemble`` (at ``ensemble_rule_weight``) are served as asked.
With no trained model, or one below ``min_model_lift`` x popularity, every mode serves
``rule_based``; with too few validation users with a label, ``auto`` serves ``ensemble``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recwarehouse.metrics import METRIC_NAMES, list_exposure, per_user_metrics

MODES = ("auto", "rule_based", "model", "ensemble")


def week_positives(data, weekly, target_weeks, split: str = "validation") -> pd.DataFrame:
    """The (user_id, trainer_id) pairs engaged with (clicked, viewed or liked) in the target week of
    `split`, read through `data` (`recwarehouse.engine.tables`) from int_user_trainer_weeks_aggregated
    and int_target_weeks (`dbt.ref` of each): the label every evaluation of the served lists uses."""
    week = data.value(target_weeks, "max(target_week)", where=f"split = '{split}'")
    if week is None:
        return pd.DataFrame({"user_id": pd.Series(dtype=object), "trainer_id": pd.Series(dtype=object)})
    day = pd.Timestamp(week).date().isoformat()
    return data.read(weekly, ["user_id", "trainer_id"], where=f"is_engaged and event_week = date '{day}'")


def mode_of(rule_weight: float) -> str:
    """The mode a rule weight serves: 1 rule_based, 0 model, anything between ensemble."""
    if rule_weight >= 1.0:
        return "rule_based"
    if rule_weight <= 0.0:
        return "model"
    return "ensemble"


def final_scores(frame: pd.DataFrame, rule_weight: float, model_weight: float) -> np.ndarray:
    """rule_weight * rule_score_scaled + model_weight * model_score_scaled, a missing score as 0:
    the same operations, in the same order, as int_trainer_scores_blended."""
    rule = frame["rule_score_scaled"].fillna(0.0).to_numpy(dtype=float)
    model = frame["model_score_scaled"].fillna(0.0).to_numpy(dtype=float)
    return rule_weight * rule + model_weight * model


def top_k_lists(frame: pd.DataFrame, rule_weight: float, k: int) -> pd.DataFrame:
    """Each user's top K candidates (user_id, trainer_id, rank) under one rule weight: final score
    descending, then trainer id ascending, as served."""
    scored = frame[["user_id", "trainer_id"]].assign(score=final_scores(frame, rule_weight, 1.0 - rule_weight))
    ordered = scored.sort_values(["user_id", "score", "trainer_id"], ascending=[True, False, True], kind="mergesort")
    ordered["rank"] = ordered.groupby("user_id", sort=False).cumcount() + 1
    return ordered.loc[ordered["rank"] <= k, ["user_id", "trainer_id", "rank"]].reset_index(drop=True)


def evaluate_lists(
    lists: pd.DataFrame, positives: pd.DataFrame, n_relevant: pd.Series, k: int, n_catalog: int
) -> dict[str, float | int | str | None]:
    """The quality of lists as served (one row per user_id, trainer_id, rank).

    Accuracy (METRIC_NAMES, see recwarehouse.metrics) averages over the users of `n_relevant` (those
    with a positive; pass only users who were listed); positives outside a list count as misses.
    What the lists do to the catalogue is measured over every listed user: catalogue coverage,
    Gini of exposure over all `n_catalog` trainers, and the most listed trainer with the share of
    lists that hold it (ties: the smaller trainer id)."""
    lists = lists[lists["rank"] <= k]
    labelled = lists.merge(
        positives[["user_id", "trainer_id"]].assign(label=1), on=["user_id", "trainer_id"], how="left"
    )
    labelled["label"] = labelled["label"].fillna(0).astype(int)
    labelled["score"] = -labelled["rank"].astype(float)
    per_user = per_user_metrics(labelled, n_relevant, k, item="trainer_id")
    out: dict[str, float | int | str | None] = {
        name: float(per_user[name].mean()) if len(per_user) else float("nan") for name in METRIC_NAMES
    }
    exposure = list_exposure(lists, n_catalog, item="trainer_id")
    out["catalog_coverage"] = exposure["catalog_coverage"]
    out["gini_exposure"] = exposure["gini_exposure"]
    out["top_trainer_id"] = exposure["top_item_id"]
    out["top_trainer_share"] = exposure["top_item_share"]
    out["users_listed"] = exposure["users_listed"]
    out["users_evaluated"] = int(len(per_user))
    return out


def model_fallback_reason(registry: pd.DataFrame, requested: str, min_model_lift: float) -> str | None:
    """Why serving must use the rule score whatever the mode asked, or None: the registry holds no
    serving model, or the chosen model's validation NDCG@K is below `min_model_lift` x the
    popularity baseline's."""
    if requested == "rule_based":
        return None
    if not (registry["stage"] == "serving").any():
        return f"recommendation_mode={requested}: the registry holds no trained model; falling back to rule_based"
    candidates = registry[registry["stage"] == "candidate"]
    chosen = candidates[candidates["is_selected"]]
    popularity = candidates[candidates["algorithm"] == "popularity"]
    if len(chosen) and len(popularity):
        chosen_ndcg, popularity_ndcg = float(chosen["ndcg_at_k"].iloc[0]), float(popularity["ndcg_at_k"].iloc[0])
        if chosen_ndcg < min_model_lift * popularity_ndcg:
            return (
                f"recommendation_mode={requested}: model {chosen['algorithm'].iloc[0]} has validation NDCG@K"
                f" {chosen_ndcg:.4f}, below min_model_lift {min_model_lift} x popularity's {popularity_ndcg:.4f};"
                " falling back to rule_based"
            )
    return None


def _describe(rule_weight: float) -> str:
    return f"rule weight {rule_weight:g} ({mode_of(rule_weight)})"


def choose_rule_weight(
    evaluated: pd.DataFrame,
    requested: str,
    ensemble_rule_weight: float,
    grid: list[float],
    tolerance: float,
    min_users: int,
) -> tuple[float, str]:
    """(the rule weight to serve, why) from `evaluated` (one row per rule_weight with ndcg_at_k
    and users_evaluated). `auto` picks among the grid's weights: the largest rule weight whose
    NDCG@K is within `tolerance` of the best; with fewer than `min_users` evaluated users it
    serves `ensemble` at `ensemble_rule_weight`."""
    fixed = {"rule_based": 1.0, "model": 0.0, "ensemble": ensemble_rule_weight}
    if requested in fixed:
        return fixed[requested], f"recommendation_mode={requested}: {_describe(fixed[requested])}, as configured"
    if requested != "auto":
        raise ValueError(f"recommendation_mode must be one of {MODES}, got {requested!r}")
    users = int(evaluated["users_evaluated"].max()) if len(evaluated) else 0
    if users < min_users:
        return ensemble_rule_weight, (
            f"recommendation_mode=auto: only {users} validation users with a label (serving_min_validation_users"
            f" {min_users}) to choose on; serving {_describe(ensemble_rule_weight)}"
        )
    on_grid = evaluated[evaluated["rule_weight"].isin(grid)]
    best = on_grid["ndcg_at_k"].max()
    eligible = on_grid[on_grid["ndcg_at_k"] >= best - tolerance]
    chosen = eligible.sort_values("rule_weight", ascending=False).iloc[0]
    others = on_grid[on_grid["rule_weight"] != chosen["rule_weight"]].sort_values(
        ["ndcg_at_k", "rule_weight"], ascending=[False, False]
    )
    why = f"recommendation_mode=auto: {_describe(chosen['rule_weight'])}, validation NDCG@K {chosen['ndcg_at_k']:.4f}"
    if chosen["ndcg_at_k"] < best:
        why += f" (within serving_rule_weight_tolerance {tolerance:g} of the best, {best:.4f})"
    else:
        why += " (the best of the lists as served)"
    if len(others):
        runner_up = others.iloc[0]
        why += f"; runner-up {_describe(runner_up['rule_weight'])} {runner_up['ndcg_at_k']:.4f}"
    return float(chosen["rule_weight"]), why


def select_serving(
    validation: pd.DataFrame,
    positives: pd.DataFrame,
    fallback_reason: str | None,
    requested: str,
    ensemble_rule_weight: float,
    grid: list[float],
    tolerance: float,
    min_users: int,
    k: int,
    n_catalog: int,
) -> pd.DataFrame:
    """One row per rule weight evaluated on the validation week (the grid, 0, 1 and
    `ensemble_rule_weight`; only 1 when `fallback_reason` says the model can't serve or there are
    no model scores), with the
    metrics of `evaluate_lists` and `is_selected` on the weight serving uses. `validation`: the
    validation week's candidates with rule_score_scaled and model_score_scaled; `positives`: the
    week's (user_id, trainer_id) positives, of every user."""
    listed = set(validation["user_id"])
    n_relevant = positives[positives["user_id"].isin(listed)].groupby("user_id").size()
    no_model_scores = validation.empty or validation["model_score_scaled"].isna().all()
    if no_model_scores or fallback_reason:  # nothing to blend: only the rule score's lists are real
        weights = [1.0]
    else:
        weights = sorted({*map(float, grid), 0.0, 1.0, float(ensemble_rule_weight)})
    rows = []
    for weight in weights:
        metrics = evaluate_lists(top_k_lists(validation, weight, k), positives, n_relevant, k, n_catalog)
        rows.append({"rule_weight": weight, "model_weight": 1.0 - weight, "mode": mode_of(weight), **metrics})
    evaluated = pd.DataFrame(rows)
    if fallback_reason or (no_model_scores and requested != "rule_based"):
        chosen = 1.0
        why = fallback_reason or f"recommendation_mode={requested}: no model scores to blend; serving rule_based"
    else:
        chosen, why = choose_rule_weight(evaluated, requested, ensemble_rule_weight, grid, tolerance, min_users)
    evaluated["is_selected"] = evaluated["rule_weight"] == chosen
    evaluated["requested_mode"] = requested
    evaluated["selection_reason"] = why
    evaluated["k"] = k
    evaluated["top_trainer_id"] = evaluated["top_trainer_id"].astype("string")
    return evaluated


def serving_evaluation(
    selection: pd.DataFrame,
    served: pd.DataFrame,
    reranked: pd.DataFrame,
    positives: pd.DataFrame,
    validation_users: pd.Series,
    n_catalog: int,
    trainer_names: dict[str, str],
    exposure_cap: float | None = None,
) -> pd.DataFrame:
    """The validation week's lists beside each other, all on the same users: every rule weight
    `select_serving` tried (stage `base`), the lists as served (stage `served`: the base stage's
    top K under the selected weight, read back from int_trainer_scores_blended; the same lists as
    the selected base row, which a data test checks, unless an exposure cap (var
    `max_trainer_list_share`) reshuffled them: then its name says so, and the row beside the
    selected base row is the cap's cost and coverage gain) and the re-ranked lists cut to K
    (stage `reranked`). `served` and `reranked`: user_id, trainer_id, rank."""
    k = int(selection["k"].iloc[0])
    listed = set(validation_users)
    n_relevant = positives[positives["user_id"].isin(listed)].groupby("user_id").size()
    chosen = selection[selection["is_selected"]].iloc[0]
    rows = [
        {
            "list_name": f"base stage, {_describe(r['rule_weight'])}",
            "stage": "base",
            **{c: r[c] for c in selection.columns if c not in ("requested_mode", "selection_reason")},
        }
        for _, r in selection.sort_values("rule_weight").iterrows()
    ]
    extra = {"served": served}
    if len(reranked):
        extra["reranked"] = reranked
    for stage, lists in extra.items():
        name = (
            f"as served: {_describe(chosen['rule_weight'])}"
            + ("" if exposure_cap is None else f", exposure cap {exposure_cap:.0%} of lists")
            if stage == "served"
            else f"re-ranked ({lists['reranker'].iloc[0]}), top {k} of {int(lists['rank'].max())}"
        )
        rows.append(
            {
                "list_name": name,
                "stage": stage,
                "rule_weight": chosen["rule_weight"],
                "model_weight": chosen["model_weight"],
                "mode": chosen["mode"],
                **evaluate_lists(lists[lists["user_id"].isin(listed)], positives, n_relevant, k, n_catalog),
                "is_selected": stage == "served",
                "k": k,
            }
        )
    out = pd.DataFrame(rows)
    out["top_trainer_name"] = out["top_trainer_id"].map(trainer_names).astype("string")
    out["top_trainer_id"] = out["top_trainer_id"].astype("string")
    out["selection_reason"] = chosen["selection_reason"]
    return out


# What ml_serving_selection writes, in Spark's DDL (recwarehouse.engine): one table on both engines
SELECTION_SCHEMA = (
    "rule_weight double, model_weight double, mode string, precision_at_k double, recall_at_k double,"
    " ndcg_at_k double, map_at_k double, mrr_at_k double, hit_rate_at_k double, catalog_coverage double,"
    " gini_exposure double, top_trainer_id string, top_trainer_share double, users_listed bigint,"
    " users_evaluated bigint, is_selected boolean, requested_mode string, selection_reason string, k bigint,"
    " validation_week date"
)

# What fct_serving_evaluation writes
SERVING_EVALUATION_SCHEMA = (
    "list_name string, stage string, rule_weight double, model_weight double, mode string, precision_at_k double,"
    " recall_at_k double, ndcg_at_k double, map_at_k double, mrr_at_k double, hit_rate_at_k double,"
    " catalog_coverage double, gini_exposure double, top_trainer_id string, top_trainer_share double,"
    " users_listed bigint, users_evaluated bigint, is_selected boolean, k bigint, validation_week date,"
    " top_trainer_name string, selection_reason string"
)
