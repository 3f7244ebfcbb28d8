{{ config(materialized='table') }}

with

source as (
    select * from {{ source('platform', 'trainers') }}
),

checked as (
    select
        trainer_id,
        name,
        specialities,
        years_experience,
        rating,
        price_per_session,
        joined_at,
        {{ reject_reason([
            ("trainer_id is null", "null trainer_id"),
            (is_blank("trainer_id"), "blank trainer_id"),
            ("joined_at is null", "null joined_at"),
            ("joined_at > " ~ utc_now(), "joined_at in the future"),
            (implausibly_early("joined_at"), "joined_at before earliest_plausible_date"),
            ("rating is not null and (rating < 0 or rating > 5)", "rating outside 0-5"),
            (is_not_finite("rating"), "rating not a finite number"),
            ("years_experience < 0", "negative years_experience"),
            (is_not_finite("years_experience"), "years_experience not a finite number"),
            ("price_per_session < 0", "negative price_per_session"),
            (is_not_finite("price_per_session"), "price_per_session not a finite number"),
            ("coalesce(" ~ is_blank("specialities", ",;/|") ~ ", true)", "no specialities"),
        ], duplicate={'key': 'trainer_id', 'order_by': 'joined_at, name, specialities', 'reason': 'duplicate trainer_id'}) }} as reject_reason
    from source
)

select * from checked
