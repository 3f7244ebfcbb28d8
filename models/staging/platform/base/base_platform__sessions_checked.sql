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

numbered as (
    select
        *,
        row_number() over (
            partition by session_id
            order by started_at, user_id, workout_id, completed_at
        ) as id_occurrence
    from source
),

checked as (
    select
        numbered.session_id,
        numbered.user_id,
        numbered.workout_id,
        numbered.started_at,
        numbered.completed_at,
        {{ reject_reason([
            ("numbered.session_id is null", "null session_id"),
            ("numbered.id_occurrence > 1", "duplicate session_id"),
            ("numbered.user_id is null", "null user_id"),
            (is_blank("numbered.user_id"), "blank user_id"),
            ("numbered.user_id is not null and users.user_id is null", "unknown user_id"),
            ("numbered.workout_id is null", "null workout_id"),
            (is_blank("numbered.workout_id"), "blank workout_id"),
            ("numbered.workout_id is not null and workouts.workout_id is null", "unknown workout_id"),
            ("numbered.started_at is null", "null started_at"),
            ("numbered.started_at > " ~ utc_now(), "started_at in the future"),
            ("numbered.started_at < users.signup_at", "started_at before signup"),
            ("numbered.completed_at < numbered.started_at", "completed_at before started_at"),
        ]) }} as reject_reason
    from numbered
    left join users
        on numbered.user_id = users.user_id
    left join workouts
        on numbered.workout_id = workouts.workout_id
)

select * from checked
