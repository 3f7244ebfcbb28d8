{{ config(materialized='table') }}

with

source as (
    select * from {{ source('platform', 'feedback') }}
),

sessions as (
    select * from {{ ref('stg_platform__sessions') }}
),

numbered as (
    select
        *,
        row_number() over (
            partition by feedback_id
            order by feedback_at, session_id, liked
        ) as id_occurrence
    from source
),

checked as (
    select
        numbered.feedback_id,
        numbered.session_id,
        numbered.user_id,
        numbered.workout_id,
        numbered.liked,
        numbered.feedback_at,
        {{ reject_reason([
            ("numbered.feedback_id is null", "null feedback_id"),
            ("numbered.id_occurrence > 1", "duplicate feedback_id"),
            ("numbered.session_id is null", "null session_id"),
            ("numbered.session_id is not null and sessions.session_id is null", "unknown session_id"),
            ("numbered.user_id is distinct from sessions.user_id and sessions.session_id is not null", "user_id differs from the session"),
            ("numbered.workout_id is distinct from sessions.workout_id and sessions.session_id is not null", "workout_id differs from the session"),
            ("numbered.liked is null or numbered.liked not in (0, 1)", "liked not 0 or 1"),
            ("numbered.feedback_at is null", "null feedback_at"),
            ("numbered.feedback_at > " ~ utc_now(), "feedback_at in the future"),
            ("numbered.feedback_at < sessions.started_at", "feedback_at before the session started"),
        ]) }} as reject_reason
    from numbered
    left join sessions
        on numbered.session_id = sessions.session_id
)

select * from checked
