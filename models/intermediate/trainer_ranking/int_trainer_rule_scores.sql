{#- The rule-based trainer score, per (trainer, target week T), from data before T only. It needs
    no training data. Five components, each 0-100:
    - quality      100 * (rating / 5 + smoothed like rate) / 2
    - reliability  100 * smoothed session completion rate (completion vs abandonment)
    - experience   100 * (ln(1 + sessions) / ln(1 + most sessions) + years / most years) / 2
    - engagement   100 * (ctr / best ctr + view rate / best view rate) / 2, both rates shrunk
                   towards the platform's rate with `rule_prior_strength` pseudo-observations
    - activity     100 * (0.6 * sessions in the last 30 days / most + 0.4 * last 90 days / most)
    "most" / "best" are over the trainers scored for the same week. total = the weighted sum
    (vars rule_weight_*, summing to 1). Like every rate here, the rates are smoothed, so a trainer
    with three sessions does not top the list. `reasons` says what stands out, in words. -#}

with

features as (
    select * from {{ ref('int_trainer_features_as_of') }}
),

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
),

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

sessions as (
    select * from {{ ref('stg_platform__sessions') }}
),

workouts as (
    select * from {{ ref('stg_platform__workouts') }}
),

funnel as (
    select
        weekly.trainer_id,
        target_weeks.target_week,
        sum(weekly.impressions) as impressions,
        sum(weekly.clicks) as clicks,
        sum(weekly.video_views) as video_views
    from weekly
    inner join target_weeks
        on weekly.event_week < target_weeks.target_week
    group by weekly.trainer_id, target_weeks.target_week
),

platform_rates as (
    select
        target_week,
        {{ safe_divide('sum(clicks)', 'sum(impressions)') }} as platform_ctr,
        {{ safe_divide('sum(video_views)', 'sum(clicks)') }} as platform_view_rate
    from funnel
    group by target_week
),

activity as (
    select
        workouts.trainer_id,
        target_weeks.target_week,
        sum(
            case
                when sessions.started_at >= cast({{ add_days('target_weeks.target_week', -30) }} as timestamp)
                    then 1
                else 0
            end
        ) as sessions_30d,
        count(*) as sessions_90d
    from sessions
    inner join workouts
        on sessions.workout_id = workouts.workout_id
    inner join target_weeks
        on
            sessions.started_at < cast(target_weeks.target_week as timestamp)
            and sessions.started_at >= cast({{ add_days('target_weeks.target_week', -90) }} as timestamp)
    group by workouts.trainer_id, target_weeks.target_week
),

inputs as (
    select
        features.trainer_id,
        features.target_week,
        features.trainer_rating,
        features.trainer_years_experience,
        features.trainer_sessions,
        features.trainer_completion_rate_smoothed,
        features.trainer_like_rate_smoothed,
        cast(coalesce(activity.sessions_30d, 0) as bigint) as sessions_30d,
        cast(coalesce(activity.sessions_90d, 0) as bigint) as sessions_90d,
        (coalesce(funnel.clicks, 0) + {{ var('rule_prior_strength') }} * platform_rates.platform_ctr)
        / (coalesce(funnel.impressions, 0) + {{ var('rule_prior_strength') }}) as ctr_smoothed,
        (coalesce(funnel.video_views, 0) + {{ var('rule_prior_strength') }} * platform_rates.platform_view_rate)
        / (coalesce(funnel.clicks, 0) + {{ var('rule_prior_strength') }}) as view_rate_smoothed
    from features
    inner join platform_rates
        on features.target_week = platform_rates.target_week
    left join funnel
        on features.trainer_id = funnel.trainer_id and features.target_week = funnel.target_week
    left join activity
        on features.trainer_id = activity.trainer_id and features.target_week = activity.target_week
),

week_maxima as (
    select
        *,
        max(ln(1 + trainer_sessions)) over (partition by target_week) as most_log_sessions,
        max(trainer_years_experience) over (partition by target_week) as most_years,
        max(ctr_smoothed) over (partition by target_week) as best_ctr,
        max(view_rate_smoothed) over (partition by target_week) as best_view_rate,
        max(sessions_30d) over (partition by target_week) as most_sessions_30d,
        max(sessions_90d) over (partition by target_week) as most_sessions_90d
    from inputs
),

scaled as (
    select
        *,
        100 * (least(greatest(trainer_rating, 0), 5) / 5 + trainer_like_rate_smoothed) / 2 as quality_score,
        100 * trainer_completion_rate_smoothed as reliability_score,
        100 * (
            {{ safe_divide('ln(1 + trainer_sessions)', 'most_log_sessions') }}
            + {{ safe_divide('trainer_years_experience', 'most_years') }}
        ) / 2 as experience_score,
        100 * (
            {{ safe_divide('ctr_smoothed', 'best_ctr') }}
            + {{ safe_divide('view_rate_smoothed', 'best_view_rate') }}
        ) / 2 as engagement_score,
        100 * (
            0.6 * {{ safe_divide('sessions_30d', 'most_sessions_30d') }}
            + 0.4 * {{ safe_divide('sessions_90d', 'most_sessions_90d') }}
        ) as activity_score
    from week_maxima
),

totalled as (
    select
        *,
        {{ var('rule_weight_quality') }} * quality_score
        + {{ var('rule_weight_reliability') }} * reliability_score
        + {{ var('rule_weight_experience') }} * experience_score
        + {{ var('rule_weight_engagement') }} * engagement_score
        + {{ var('rule_weight_activity') }} * activity_score as total_score
    from scaled
),

final as (
    select
        trainer_id,
        coalesce(nullif(concat_ws(
            '; ',
            case
                when reliability_score >= 60
                    then concat('completes ', {{ percent_text('trainer_completion_rate_smoothed') }}, ' of sessions')
            end,
            case when activity_score >= 70 then 'very active this month' end,
            case
                when quality_score >= 75
                    then concat(
                        'rated ', cast(round(trainer_rating, 1) as {{ dbt.type_string() }}), ' and liked by ',
                        {{ percent_text('trainer_like_rate_smoothed') }}, ' of clients'
                    )
            end,
            case
                when experience_score >= 70
                    then concat(
                        cast(trainer_sessions as {{ dbt.type_string() }}), ' sessions delivered, ',
                        cast(trainer_years_experience as {{ dbt.type_string() }}), ' years of experience'
                    )
            end,
            case when engagement_score >= 75 then 'people who see them tend to watch' end
        ), ''), 'a steady all-round record') as reasons,
        round(quality_score, 9) as quality_score,
        round(reliability_score, 9) as reliability_score,
        round(experience_score, 9) as experience_score,
        round(engagement_score, 9) as engagement_score,
        round(activity_score, 9) as activity_score,
        round(total_score, 9) as total_score,
        trainer_sessions,
        sessions_30d,
        sessions_90d,
        round(ctr_smoothed, 9) as ctr_smoothed,
        round(view_rate_smoothed, 9) as view_rate_smoothed,
        target_week
    from totalled
)

select * from final
