{#- The rule-based trainer score, per (trainer, target week T), from data before T only. It needs
    no training data. Six components, each 0-100:
    - quality      100 * (rating / 5 + smoothed like rate) / 2
    - reliability  100 * smoothed session completion rate (completion vs abandonment)
    - experience   100 * (ln(1 + sessions) / ln(1 + most sessions) + years / most years) / 2
    - engagement   100 * (ctr / best ctr + view rate / best view rate) / 2, both rates shrunk
                   towards the platform's rate with `rule_prior_strength` pseudo-observations
    - activity     100 * (0.6 * sessions in the last 30 days / most + 0.4 * last 90 days / most)
    - feedback     100 * lowest complaint rate / complaint rate: complaints per time recommended,
                   shrunk towards the platform's (`int_trainer_feedback_as_of`); 100 for all
                   when nobody complained
    "most" / "best" are over the trainers scored for the same week. total = the weighted sum
    (vars rule_weight_*, summing to 1). Like every rate here, the rates are smoothed, so a trainer
    with three sessions does not top the list. `reasons` says what stands out, in words;
    `caveats` this month's most common complaint when enough people said it. -#}

with

features as (
    select * from {{ ref('int_trainer_features_as_of') }}
),

feedback as (
    select * from {{ ref('int_trainer_feedback_as_of') }}
),

platform_rates as (
    select
        target_week,
        {{ safe_divide('sum(trainer_clicks)', 'sum(trainer_impressions)') }} as platform_ctr,
        {{ safe_divide('sum(trainer_video_views)', 'sum(trainer_clicks)') }} as platform_view_rate
    from features
    group by target_week
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
        features.trainer_sessions_30d as sessions_30d,
        features.trainer_sessions_90d as sessions_90d,
        feedback.complaint_rate_smoothed,
        feedback.feedback_reason,
        {{ shrunk_rate('features.trainer_clicks', 'features.trainer_impressions',
            'platform_rates.platform_ctr', var('rule_prior_strength')) }} as ctr_smoothed,
        {{ shrunk_rate('features.trainer_video_views', 'features.trainer_clicks',
            'platform_rates.platform_view_rate', var('rule_prior_strength')) }} as view_rate_smoothed
    from features
    inner join platform_rates
        on features.target_week = platform_rates.target_week
    left join feedback
        on
            features.trainer_id = feedback.trainer_id
            and features.target_week = feedback.target_week
),

week_maxima as (
    select
        *,
        max(ln(1 + trainer_sessions)) over (partition by target_week) as most_log_sessions,
        max(trainer_years_experience) over (partition by target_week) as most_years,
        max(ctr_smoothed) over (partition by target_week) as best_ctr,
        max(view_rate_smoothed) over (partition by target_week) as best_view_rate,
        max(sessions_30d) over (partition by target_week) as most_sessions_30d,
        max(sessions_90d) over (partition by target_week) as most_sessions_90d,
        min(complaint_rate_smoothed) over (partition by target_week) as lowest_complaint_rate
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
        ) as activity_score,
        100 * {{ safe_divide('lowest_complaint_rate', 'complaint_rate_smoothed', empty='1.0') }} as feedback_score
    from week_maxima
),

totalled as (
    select
        *,
        {{ rule_weighted_sum() }} as total_score
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
        feedback_reason as caveats,
        round(quality_score, 9) as quality_score,
        round(reliability_score, 9) as reliability_score,
        round(experience_score, 9) as experience_score,
        round(engagement_score, 9) as engagement_score,
        round(activity_score, 9) as activity_score,
        round(feedback_score, 9) as feedback_score,
        round(total_score, 9) as total_score,
        trainer_sessions,
        sessions_30d,
        sessions_90d,
        round(ctr_smoothed, 9) as ctr_smoothed,
        round(view_rate_smoothed, 9) as view_rate_smoothed,
        round(complaint_rate_smoothed, 9) as complaint_rate_smoothed,
        target_week
    from totalled
)

select * from final
