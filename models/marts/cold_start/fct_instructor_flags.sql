{#- One row per trainer: smoothed abandonment and dislike rates, the evidence behind them, whether
    the trainer is flagged and why, in words. -#}

with

trainer_quality as (
    select * from {{ ref('int_trainer_quality_scored') }}
),

as_of as (
    select * from {{ ref('int_cold_start_as_of') }}
),

final as (
    select
        trainer_quality.trainer_id,
        trainer_quality.trainer_name,
        trainer_quality.reason,
        trainer_quality.sessions,
        trainer_quality.abandoned_sessions,
        trainer_quality.feedbacks,
        trainer_quality.dislikes,
        trainer_quality.abandonment_rate_smoothed,
        trainer_quality.dislike_rate_smoothed,
        trainer_quality.is_flagged,
        trainer_quality.is_flagged and {{ var('demote_flagged_instructors') }} as is_demoted,
        as_of.as_of_date
    from trainer_quality
    cross join as_of
)

select * from final
