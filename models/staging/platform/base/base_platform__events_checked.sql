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

numbered as (
    select
        *,
        row_number() over (
            partition by event_id
            order by event_at, user_id, trainer_id, workout_id, event_type, watch_fraction
        ) as id_occurrence
    from source
),

checked as (
    select
        numbered.event_id,
        numbered.user_id,
        numbered.trainer_id,
        numbered.workout_id,
        numbered.event_type,
        numbered.event_at,
        numbered.watch_fraction,
        {{ reject_reason([
            ("numbered.event_id is null", "null event_id"),
            ("numbered.id_occurrence > 1", "duplicate event_id"),
            ("numbered.user_id is null", "null user_id"),
            (is_blank("numbered.user_id"), "blank user_id"),
            ("numbered.user_id is not null and users.user_id is null", "unknown user_id"),
            ("numbered.trainer_id is null", "null trainer_id"),
            (is_blank("numbered.trainer_id"), "blank trainer_id"),
            ("numbered.trainer_id is not null and trainers.trainer_id is null", "unknown trainer_id"),
            (is_blank("numbered.workout_id"), "blank workout_id"),
            ("numbered.workout_id is not null and workouts.workout_id is null", "unknown workout_id"),
            ("workouts.trainer_id <> numbered.trainer_id", "workout_id belongs to another trainer"),
            ("event_types.event_type is null", "unknown event_type"),
            ("numbered.event_at is null", "null event_at"),
            ("numbered.event_at > " ~ utc_now(), "event_at in the future"),
            ("numbered.event_at < users.signup_at", "event_at before signup"),
            ("numbered.watch_fraction < 0 or numbered.watch_fraction > 1", "watch_fraction outside 0-1"),
            (is_not_finite("numbered.watch_fraction"), "watch_fraction not a finite number"),
            ("numbered.event_type <> 'video_view' and numbered.watch_fraction is not null", "watch_fraction on an event that is not a video_view"),
            ("numbered.event_type = 'video_view' and numbered.watch_fraction is null", "video_view without watch_fraction"),
            ("numbered.event_type = 'like' and (first_session_per_user_workout.first_started_at is null or first_session_per_user_workout.first_started_at > numbered.event_at)", "like without a session"),
        ]) }} as reject_reason
    from numbered
    left join users
        on numbered.user_id = users.user_id
    left join trainers
        on numbered.trainer_id = trainers.trainer_id
    left join workouts
        on numbered.workout_id = workouts.workout_id
    left join event_types
        on numbered.event_type = event_types.event_type
    left join first_session_per_user_workout
        on
            numbered.user_id = first_session_per_user_workout.user_id
            and numbered.workout_id = first_session_per_user_workout.workout_id
)

select * from checked
