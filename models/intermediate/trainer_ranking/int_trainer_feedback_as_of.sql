{#- Per (trainer, target week T): what people said when the trainer was recommended to them, from
    feedback given before T only (`stg_platform__recommendation_feedback`).
    - times_recommended: the (user, week) pairs that were shown the trainer before T;
    - complaint / helpful rates per time recommended, shrunk towards the platform's rates with
      `feedback_prior_strength` pseudo-recommendations, so one complaint about a new trainer does
      not sink them;
    - this month's telling complaint: over the `feedback_recent_weeks` weeks before T, the
      complaint type whose people (distinct users who said it) are the most above what the
      platform's rate for that type predicts for the trainer's recommendations (the lift), and a
      reason in words ("3 people said too expensive this month") once at least
      `feedback_reason_min_people` people said it and the lift is `feedback_reason_min_lift` or
      more - a complaint every trainer gets at the platform's rate is no reason.
    With no feedback file every trainer gets the same rates (0) and no reason. -#}

with

trainers as (
    select * from {{ ref('int_trainer_features_as_of') }}
),

feedback as (
    select * from {{ ref('stg_platform__recommendation_feedback') }}
),

feedback_types as (
    select * from {{ ref('feedback_types') }}
),

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

shown_per_week as (
    select
        trainer_id,
        event_week,
        count(*) as users_shown
    from weekly
    where impressions > 0
    group by trainer_id, event_week
),

shown_before as (
    select
        trainers.trainer_id,
        trainers.target_week,
        cast(sum(shown_per_week.users_shown) as bigint) as times_recommended,
        cast(sum(
            case
                when shown_per_week.event_week >= {{ add_weeks('trainers.target_week', -var('feedback_recent_weeks')) }}
                    then shown_per_week.users_shown
                else 0
            end
        ) as bigint) as recent_times_recommended,
        max(shown_per_week.event_week) as max_shown_week
    from trainers
    inner join shown_per_week
        on
            trainers.trainer_id = shown_per_week.trainer_id
            and trainers.target_week > shown_per_week.event_week
    group by trainers.trainer_id, trainers.target_week
),

said_before as (
    select
        trainers.trainer_id,
        trainers.target_week,
        feedback.user_id,
        feedback.feedback_type,
        feedback.is_complaint,
        feedback.given_at >= cast({{ add_weeks('trainers.target_week', -var('feedback_recent_weeks')) }} as timestamp)
            as is_recent,
        {{ week_start('feedback.given_at') }} as given_week
    from trainers
    inner join feedback
        on
            trainers.trainer_id = feedback.trainer_id
            and feedback.given_at < cast(trainers.target_week as timestamp)
),

said_counts as (
    select
        trainer_id,
        target_week,
        count(*) as feedback_given,
        {{ count_sum("case when is_complaint then 1 else 0 end") }} as complaints,
        {{ count_sum("case when feedback_type = 'helpful' then 1 else 0 end") }} as helpful,
        max(given_week) as max_given_week
    from said_before
    group by trainer_id, target_week
),

recent_complaints as (
    select
        trainer_id,
        target_week,
        feedback_type,
        count(distinct user_id) as people
    from said_before
    where is_recent and is_complaint
    group by trainer_id, target_week, feedback_type
),

recent_shown as (
    select
        target_week,
        sum(recent_times_recommended) as times_recommended
    from shown_before
    group by target_week
),

recent_platform_rates as (
    select
        recent_complaints.target_week,
        recent_complaints.feedback_type,
        {{ safe_divide('sum(recent_complaints.people)', 'max(recent_shown.times_recommended)') }} as platform_rate
    from recent_complaints
    inner join recent_shown
        on recent_complaints.target_week = recent_shown.target_week
    group by recent_complaints.target_week, recent_complaints.feedback_type
),

recent_lifts as (
    select
        recent_complaints.trainer_id,
        recent_complaints.target_week,
        recent_complaints.feedback_type,
        recent_complaints.people,
        feedback_types.said_text,
        {{ safe_divide('recent_complaints.people',
            'shown_before.recent_times_recommended * recent_platform_rates.platform_rate') }} as lift
    from recent_complaints
    inner join feedback_types
        on recent_complaints.feedback_type = feedback_types.feedback_type
    inner join recent_platform_rates
        on
            recent_complaints.target_week = recent_platform_rates.target_week
            and recent_complaints.feedback_type = recent_platform_rates.feedback_type
    left join shown_before
        on
            recent_complaints.trainer_id = shown_before.trainer_id
            and recent_complaints.target_week = shown_before.target_week
),

top_recent_complaint as (
    select
        *,
        row_number() over (
            partition by trainer_id, target_week
            order by lift desc, people desc, feedback_type asc
        ) as complaint_rank
    from recent_lifts
),

counted as (
    select
        trainers.trainer_id,
        trainers.target_week,
        coalesce(shown_before.times_recommended, 0) as times_recommended,
        coalesce(said_counts.feedback_given, 0) as feedback_given,
        coalesce(said_counts.complaints, 0) as complaints,
        coalesce(said_counts.helpful, 0) as helpful,
        shown_before.max_shown_week,
        said_counts.max_given_week
    from trainers
    left join shown_before
        on
            trainers.trainer_id = shown_before.trainer_id
            and trainers.target_week = shown_before.target_week
    left join said_counts
        on
            trainers.trainer_id = said_counts.trainer_id
            and trainers.target_week = said_counts.target_week
),

platform_rates as (
    select
        target_week,
        {{ safe_divide('sum(complaints)', 'sum(times_recommended)') }} as platform_complaint_rate,
        {{ safe_divide('sum(helpful)', 'sum(times_recommended)') }} as platform_helpful_rate
    from counted
    group by target_week
),

final as (
    select
        counted.trainer_id,
        counted.target_week,
        counted.times_recommended,
        counted.feedback_given,
        counted.complaints,
        counted.helpful,
        round({{ shrunk_rate('counted.complaints', 'counted.times_recommended',
            'platform_rates.platform_complaint_rate', var('feedback_prior_strength')) }}, 9) as complaint_rate_smoothed,
        round({{ shrunk_rate('counted.helpful', 'counted.times_recommended',
            'platform_rates.platform_helpful_rate', var('feedback_prior_strength')) }}, 9) as helpful_rate_smoothed,
        top_recent_complaint.feedback_type as top_recent_complaint,
        coalesce(top_recent_complaint.people, 0) as top_recent_complaint_people,
        round(top_recent_complaint.lift, 9) as top_recent_complaint_lift,
        case
            when
                top_recent_complaint.people >= {{ var('feedback_reason_min_people') }}
                and top_recent_complaint.lift >= {{ var('feedback_reason_min_lift') }}
                then concat(
                    cast(top_recent_complaint.people as {{ dbt.type_string() }}), ' people ',
                    top_recent_complaint.said_text,
                    {{ "' this month'" if var('feedback_recent_weeks') == 4
                        else "' in the last " ~ var('feedback_recent_weeks') ~ " weeks'" }}
                )
        end as feedback_reason,
        greatest(
            coalesce(counted.max_shown_week, cast('1900-01-01' as date)),
            coalesce(counted.max_given_week, cast('1900-01-01' as date))
        ) as max_source_week
    from counted
    inner join platform_rates
        on counted.target_week = platform_rates.target_week
    left join top_recent_complaint
        on
            counted.trainer_id = top_recent_complaint.trainer_id
            and counted.target_week = top_recent_complaint.target_week
            and top_recent_complaint.complaint_rank = 1
)

select * from final
