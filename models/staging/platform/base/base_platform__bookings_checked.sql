{{ config(materialized='table') }}

with

source as (
    select * from {{ optional_source('platform', 'bookings') }}
),

users as (
    select * from {{ ref('stg_platform__users') }}
),

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

numbered as (
    select
        *,
        lower(trim(status)) as status_normalised
    from source
),

checked as (
    select
        numbered.booking_id,
        numbered.user_id,
        numbered.trainer_id,
        numbered.booked_at,
        numbered.price_paid,
        numbered.status,
        {{ reject_reason([
            ("numbered.booking_id is null", "null booking_id"),
            ("numbered.user_id is null", "null user_id"),
            (is_blank("numbered.user_id"), "blank user_id"),
            ("numbered.user_id is not null and users.user_id is null", "unknown user_id"),
            ("numbered.trainer_id is null", "null trainer_id"),
            (is_blank("numbered.trainer_id"), "blank trainer_id"),
            ("numbered.trainer_id is not null and trainers.trainer_id is null", "unknown trainer_id"),
            ("numbered.booked_at is null", "null booked_at"),
            ("numbered.booked_at > " ~ utc_now(), "booked_at in the future"),
            (implausibly_early("numbered.booked_at"), "booked_at before earliest_plausible_date"),
            ("numbered.booked_at < users.signup_at", "booked_at before signup"),
            ("numbered.price_paid is null", "null price_paid"),
            (is_not_finite("numbered.price_paid"), "price_paid not finite"),
            ("numbered.price_paid <= 0", "price_paid not above 0"),
            ("numbered.status_normalised is null or numbered.status_normalised not in ('requested', 'accepted', 'cancelled')",
             "status not requested, accepted or cancelled"),
        ], duplicate={'key': 'numbered.booking_id', 'order_by': 'numbered.booked_at, numbered.user_id, numbered.trainer_id, numbered.price_paid, numbered.status', 'reason': 'duplicate booking_id'}) }} as reject_reason
    from numbered
    left join users
        on numbered.user_id = users.user_id
    left join trainers
        on numbered.trainer_id = trainers.trainer_id
)

select * from checked
