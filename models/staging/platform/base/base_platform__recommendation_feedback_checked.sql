{{ config(materialized='table') }}

with

source as (
    select * from {{ optional_source('platform', 'recommendation_feedback') }}
),

users as (
    select * from {{ ref('stg_platform__users') }}
),

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

feedback_types as (
    select * from {{ ref('feedback_types') }}
),

numbered as (
    select
        *,
        lower(trim(feedback_type)) as feedback_type_normalised
    from source
),

checked as (
    select
        numbered.user_id,
        numbered.trainer_id,
        numbered.served_week,
        numbered.feedback_type,
        numbered.comment,
        numbered.given_at,
        {{ reject_reason([
            ("numbered.user_id is null", "null user_id"),
            (is_blank("numbered.user_id"), "blank user_id"),
            ("numbered.user_id is not null and users.user_id is null", "unknown user_id"),
            ("numbered.trainer_id is null", "null trainer_id"),
            (is_blank("numbered.trainer_id"), "blank trainer_id"),
            ("numbered.trainer_id is not null and trainers.trainer_id is null", "unknown trainer_id"),
            ("numbered.served_week is null", "null served_week"),
            ("numbered.feedback_type is null", "null feedback_type"),
            ("numbered.feedback_type is not null and feedback_types.feedback_type is null",
             "feedback_type not in the feedback_types seed"),
            ("numbered.given_at is null", "null given_at"),
            ("numbered.given_at > " ~ utc_now(), "given_at in the future"),
            (implausibly_early("numbered.given_at"), "given_at before earliest_plausible_date"),
            ("numbered.given_at < cast(" ~ week_start("numbered.served_week") ~ " as timestamp)",
             "given_at before the served week"),
        ], duplicate={'key': 'numbered.user_id, numbered.trainer_id, numbered.served_week, lower(trim(numbered.feedback_type)), numbered.given_at', 'order_by': 'numbered.comment', 'reason': 'duplicate feedback (same user, trainer, week, type and time)'}) }} as reject_reason
    from numbered
    left join users
        on numbered.user_id = users.user_id
    left join trainers
        on numbered.trainer_id = trainers.trainer_id
    left join feedback_types
        on numbered.feedback_type_normalised = feedback_types.feedback_type
)

select * from checked
