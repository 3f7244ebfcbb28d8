{{ config(materialized='table') }}

with

source as (
    select * from {{ source('platform', 'feedback') }}
),

sessions as (
    select * from {{ ref('stg_platform__sessions') }}
),

checked as (
    select
        source.feedback_id,
        source.session_id,
        source.user_id,
        source.workout_id,
        source.liked,
        source.feedback_at,
        {{ reject_reason([
            ("source.feedback_id is null", "null feedback_id"),
            ("source.session_id is null", "null session_id"),
            ("source.session_id is not null and sessions.session_id is null", "unknown session_id"),
            ("source.user_id is distinct from sessions.user_id and sessions.session_id is not null", "user_id differs from the session"),
            ("source.workout_id is distinct from sessions.workout_id and sessions.session_id is not null", "workout_id differs from the session"),
            ("source.liked is null or source.liked not in (0, 1)", "liked not 0 or 1"),
            ("source.feedback_at is null", "null feedback_at"),
            ("source.feedback_at > " ~ utc_now(), "feedback_at in the future"),
            (implausibly_early("source.feedback_at"), "feedback_at before earliest_plausible_date"),
            ("source.feedback_at < sessions.started_at", "feedback_at before the session started"),
        ], duplicate={'key': 'source.feedback_id', 'order_by': 'source.feedback_at, source.session_id, source.liked', 'reason': 'duplicate feedback_id'}) }} as reject_reason
    from source
    left join sessions
        on source.session_id = sessions.session_id
)

select * from checked
