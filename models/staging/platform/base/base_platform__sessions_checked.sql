{{ config(materialized='table') }}

with

source as (
    select * from {{ source('platform', 'sessions') }}
),

users as (
    select * from {{ ref('stg_platform__users') }}
),

workouts as (
    select * from {{ ref('stg_platform__workouts') }}
),

checked as (
    select
        source.session_id,
        source.user_id,
        source.workout_id,
        source.started_at,
        source.completed_at,
        {{ reject_reason([
            ("source.session_id is null", "null session_id"),
            ("source.user_id is null", "null user_id"),
            (is_blank("source.user_id"), "blank user_id"),
            ("source.user_id is not null and users.user_id is null", "unknown user_id"),
            ("source.workout_id is null", "null workout_id"),
            (is_blank("source.workout_id"), "blank workout_id"),
            ("source.workout_id is not null and workouts.workout_id is null", "unknown workout_id"),
            ("source.started_at is null", "null started_at"),
            ("source.started_at > " ~ utc_now(), "started_at in the future"),
            (implausibly_early("source.started_at"), "started_at before earliest_plausible_date"),
            ("source.started_at < users.signup_at", "started_at before signup"),
            ("source.completed_at < source.started_at", "completed_at before started_at"),
        ], duplicate={'key': 'source.session_id', 'order_by': 'source.started_at, source.user_id, source.workout_id, source.completed_at', 'reason': 'duplicate session_id'}) }} as reject_reason
    from source
    left join users
        on source.user_id = users.user_id
    left join workouts
        on source.workout_id = workouts.workout_id
)

select * from checked
