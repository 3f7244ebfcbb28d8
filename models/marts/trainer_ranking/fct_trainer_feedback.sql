{#- What people say about each trainer, week by week, for the people who act on it: per trainer
    and target week, the feedback given on the trainer's recommendations in the weeks before
    (`int_trainer_feedback_as_of`: as of the week, so a week's row never reads that week), the
    smoothed complaint and helpful rates, this month's most common complaint against the platform's
    rate and, when it stands out, the caveat the served lists show. -#}

with

feedback as (
    select * from {{ ref('int_trainer_feedback_as_of') }}
),

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

final as (
    select
        feedback.target_week as week,
        feedback.trainer_id,
        trainers.trainer_name,
        feedback.times_recommended,
        feedback.feedback_given,
        feedback.complaints,
        feedback.helpful,
        feedback.complaint_rate_smoothed,
        feedback.helpful_rate_smoothed,
        feedback.top_recent_complaint,
        feedback.top_recent_complaint_people,
        feedback.top_recent_complaint_lift,
        feedback.feedback_reason as caveat
    from feedback
    inner join trainers
        on feedback.trainer_id = trainers.trainer_id
)

select * from final
