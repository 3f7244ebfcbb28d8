"""Price bands per trainer for every target week: the serve week's are the suggestions, the
earlier weeks' are checked against the bookings accepted in them (fct_price_band_evaluation).
Each week's bands are learned only from bookings settled before that week
(`recwarehouse.marketplace.pricing`). Reads trainers x target weeks of features and the settled
bookings on the driver, on either engine (`recwarehouse.engine`); neither grows with the users."""

import pandas as pd

from recwarehouse import thread_limit
from recwarehouse.engine import schema_columns, tables
from recwarehouse.marketplace.pricing import PRICE_BAND_SCHEMA, PriceSettings, fit, suggest
from recwarehouse.progress import log


def model(dbt, session):
    settings = PriceSettings(
        lower_quantile=float(dbt.config.get("price_band_lower_quantile")),
        upper_quantile=float(dbt.config.get("price_band_upper_quantile")),
        min_training_bookings=int(dbt.config.get("price_min_training_bookings")),
        min_trainer_bookings=int(dbt.config.get("price_min_trainer_bookings")),
        seed=int(dbt.config.get("random_seed")),
    )
    data = tables(dbt, session)
    features = data.read(dbt.ref("int_trainer_price_features"), order="target_week, trainer_id")
    bookings = data.read(
        dbt.ref("stg_platform__bookings"), where="status in ('accepted', 'cancelled')", order="booking_id"
    )
    # each settled booking with its trainer's features as of the booking's own week
    examples = bookings.merge(
        features, left_on=["trainer_id", "booked_week"], right_on=["trainer_id", "target_week"], how="inner"
    )
    out = []
    for week, week_rows in features.groupby("target_week", sort=True):
        split, day = week_rows["split"].iloc[0], pd.Timestamp(week).date()
        before = examples[pd.to_datetime(examples["booked_week"]) < pd.to_datetime(week)]
        with thread_limit():
            models = fit(before, settings)
        if models is None:
            log(
                f"price bands for {split} week {day}: {int(before['is_accepted'].sum())} accepted bookings before it "
                f"(< price_min_training_bookings = {settings.min_training_bookings}): every band is the market rule"
            )
        else:
            calibration = (
                "not conformalised (too few bookings to hold the last week out)"
                if models["calibrated_on"] is None
                else f"conformalised on week {pd.Timestamp(models['calibrated_on']).date()}: "
                f"ends moved by {models['widen']:+.3f} (log price)"
            )
            log(
                f"price bands for {split} week {day}: learned from {models['bookings']:,} settled bookings "
                f"({models['accepted_bookings']:,} accepted), {calibration}"
            )
        bands = suggest(week_rows, models, settings)
        bands["split"] = split
        bands["training_bookings"] = 0 if models is None else models["bookings"]
        bands["training_accepted_bookings"] = 0 if models is None else models["accepted_bookings"]
        out.append(bands)
        log(f"  {len(bands)} trainers: " + ", ".join(f"{m} {n}" for m, n in bands["method"].value_counts().items()))
    if not out:
        return data.result(pd.DataFrame(columns=schema_columns(PRICE_BAND_SCHEMA)), PRICE_BAND_SCHEMA)
    return data.result(pd.concat(out, ignore_index=True), PRICE_BAND_SCHEMA)
