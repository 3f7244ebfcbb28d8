"""Which interactions model is served: the best on the validation fold, with the margins the data
can support beside it.

One validation fold tells two models apart only by more than the noise of which users happen to be
in it. So every model of the served family is set against the family's best on validation NDCG@K
by the paired bootstrap over the validation users (`recwarehouse.metrics.paired_bootstrap`, the
same as `fct_interaction_model_comparison` uses on test): a model whose interval of (model - best)
holds 0 is level with the best, and the table says so. The best serves. For that choice to be
fair, every model's validation figure must measure the same thing: the two-stage re-ranker's
lists there are cross-fitted over `CROSS_FIT_PARTS` parts of the users (`fit_two_stage`), so it is
judged as a model trained on most of them, as it is on test.
"""

from __future__ import annotations

import pandas as pd

from recwarehouse.metrics import paired_bootstrap

CHOICE_COLUMNS = [
    "model", "model_id", "model_family", "users", "validation_ndcg_at_k", "best_model_id", "difference_to_best",
    "ci_low", "ci_high", "is_level_with_best", "is_served", "reason",
]  # fmt: skip
CHOICE_SCHEMA = (
    "model string, model_id string, model_family string, users bigint, validation_ndcg_at_k double,"
    " best_model_id string, difference_to_best double, ci_low double, ci_high double,"
    " is_level_with_best boolean, is_served boolean, reason string"
)


def served_family(families: set[str], mode: str) -> str:
    """The family `interactions_mode` serves: baseline, cf, or auto = cf when one was built."""
    if mode == "auto":
        return "cf" if "cf" in families else "baseline"
    return mode


def choose_served(per_user: pd.DataFrame, mode: str, resamples: int, seed: int, k: int) -> pd.DataFrame:
    """One row per model of the served family (CHOICE_COLUMNS), exactly one with is_served.

    per_user: model, model_id, model_family (baseline or cf, as `fct_interaction_eval_summary`
    names it), user_id, ndcg_at_k on the validation fold at K (every evaluated user for every
    model: a user a model gave no list scores 0)."""
    family = served_family(set(per_user["model_family"]), mode)
    per_user = per_user[per_user["model_family"] == family]
    if per_user.empty:
        raise ValueError(f"interactions_mode {mode!r}: no {family} model was built, so none can be served")
    wide = per_user.pivot(index="user_id", columns="model_id", values="ndcg_at_k").sort_index().fillna(0.0)
    wide = wide[sorted(wide.columns)]
    means = wide.mean()
    best = sorted(means.index, key=lambda m: (-means[m], m))[0]  # equal means: the first model id
    names = per_user.drop_duplicates("model_id").set_index("model_id")["model"]
    rows = []
    for mid in wide.columns:
        if mid == best:
            ci = {"difference": 0.0, "ci_low": 0.0, "ci_high": 0.0}
        else:
            ci = paired_bootstrap(wide[mid].to_numpy(), wide[best].to_numpy(), resamples, seed)
        rows.append(
            {"model": names[mid], "model_id": mid, "model_family": family, "users": len(wide),
             "validation_ndcg_at_k": round(float(means[mid]), 9), "best_model_id": best,
             "difference_to_best": round(ci["difference"], 9), "ci_low": round(ci["ci_low"], 9),
             "ci_high": round(ci["ci_high"], 9), "is_level_with_best": bool(ci["ci_high"] >= 0)}
        )  # fmt: skip
    out = pd.DataFrame(rows)
    out["is_served"] = out["model_id"] == best
    best_name = names[best]
    out["reason"] = [_reason(row, best_name, k) for row in out.itertuples(index=False)]
    return out.sort_values(["is_served", "validation_ndcg_at_k", "model_id"], ascending=[False, False, True])[
        CHOICE_COLUMNS
    ].reset_index(drop=True)


def _reason(row, best: str, k: int) -> str:
    if row.is_served:
        return f"served: best on validation NDCG@{k}"
    interval = f"[{row.ci_low:+.4f}, {row.ci_high:+.4f}]"
    where = "level with" if row.is_level_with_best else "behind"
    return f"{where} the best ({row.difference_to_best:+.4f} against {best} {interval})"


def runner_up(choice: pd.DataFrame, summary: pd.DataFrame) -> pd.Series | None:
    """The model the served one is compared with on test: the best other model on validation."""
    others = summary[summary["model_id"] != choice.loc[choice["is_served"], "model_id"].iloc[0]]
    if others.empty:
        return None
    return others.sort_values(["ndcg_at_k", "model_id"], ascending=[False, True]).iloc[0]
