{{ config(materialized='table') }}

with

source as (
    select * from {{ source('platform', 'events') }}
),

users as (
    select * from {{ ref('stg_platform__users') }}
),

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

workouts as (
    select * from {{ ref('stg_platform__workouts') }}
),

event_types as (
    select * from {{ ref('event_types') }}
),

first_session_per_user_workout as (
    select
        user_id,
        workout_id,
        min(started_at) as first_started_at
    from {{ ref('stg_platform__sessions') }}
    group by user_id, workout_id
),

checked as (
    select
        source.event_id,
        source.user_id,
        source.trainer_id,
        source.workout_id,
        source.event_type,
        source.event_at,
        source.watch_fraction,
        {{ reject_reason([
            ("source.event_id is null", "null event_id"),
            ("source.user_id is null", "null user_id"),
            (is_blank("source.user_id"), "blank user_id"),
            ("source.user_id is not null and users.user_id is null", "unknown user_id"),
            ("source.trainer_id is null", "null trainer_id"),
            (is_blank("source.trainer_id"), "blank trainer_id"),
            ("source.trainer_id is not null and trainers.trainer_id is null", "unknown trainer_id"),
            (is_blank("source.workout_id"), "blank workout_id"),
            ("source.workout_id is not null and workouts.workout_id is null", "unknown workout_id"),
            ("workouts.trainer_id <> source.trainer_id", "workout_id belongs to another trainer"),
            ("event_types.event_type is null", "unknown event_type"),
            ("source.event_at is null", "null event_at"),
            ("source.event_at > " ~ utc_now(), "event_at in the future"),
            (implausibly_early("source.event_at"), "event_at before earliest_plausible_date"),
            ("source.event_at < users.signup_at", "event_at before signup"),
            ("source.watch_fraction < 0 or source.watch_fraction > 1", "watch_fraction outside 0-1"),
            (is_not_finite("source.watch_fraction"), "watch_fraction not a finite number"),
            ("source.event_type <> 'video_view' and source.watch_fraction is not null", "watch_fraction on an event that is not a video_view"),
            ("source.event_type = 'video_view' and source.watch_fraction is null", "video_view without watch_fraction"),
            ("source.event_type = 'like' and (first_session_per_user_workout.first_started_at is null or first_session_per_user_workout.first_started_at > source.event_at)", "like without a session"),
        ], duplicate={'key': 'source.event_id', 'order_by': 'source.event_at, source.user_id, source.trainer_id, source.workout_id, source.event_type, source.watch_fraction', 'reason': 'duplicate event_id'}) }} as reject_reason
    from source
    left join users
        on source.user_id = users.user_id
    left join trainers
        on source.trainer_id = trainers.trainer_id
    left join workouts
        on source.workout_id = workouts.workout_id
    left join event_types
        on source.event_type = event_types.event_type
    left join first_session_per_user_workout
        on
            source.user_id = first_session_per_user_workout.user_id
            and source.workout_id = first_session_per_user_workout.workout_id
)

select * from checked
