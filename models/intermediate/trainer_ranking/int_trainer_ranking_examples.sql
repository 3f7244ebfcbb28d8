{#- One row per (target week, user, candidate trainer): every feature as of T-1, and the label.
    Label: the user clicked, viewed or liked the trainer in week T (null in the serve week).
    `max_source_week` is the latest week any feature read; a data test holds it below T. The
    collaborative features come from a Python model (0 on the `spark` target, which runs none). -#}

with

candidates as (
    select * from {{ ref('int_user_trainer_candidates') }}
),

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
),

users as (
    select * from {{ ref('int_user_features_as_of') }}
),

trainers as (
    select * from {{ ref('int_trainer_features_as_of') }}
),

trainer_feedback as (
    select * from {{ ref('int_trainer_feedback_as_of') }}
),

pair_history as (
    select * from {{ ref('int_user_trainer_features_as_of') }}
),

speciality_flags as (
    select * from {{ ref('int_trainer_speciality_flags') }}
),

goals as (
    select * from {{ ref('goals') }}
),

trainer_specialities as (
    select * from {{ ref('stg_platform__trainer_specialities') }}
),

preferred_types as (
    select * from {{ ref('stg_platform__user_preferred_types') }}
),

workouts as (
    select * from {{ ref('stg_platform__workouts') }}
),

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

collaborative as (
    {% if python_stages_enabled() -%}
        select * from {{ ref('ml_trainer_collaborative_scores') }}
    {%- else -%}
        select
            cast(null as date) as target_week,
            cast(null as {{ dbt.type_string() }}) as user_id,
            cast(null as {{ dbt.type_string() }}) as trainer_id,
            cast(null as double) as cf_similarity,
            cast(null as double) as cf_svd_score,
            cast(null as double) as cf_click_affinity,
            cast(null as double) as cf_click_score
        where false
    {%- endif %}
),

trainer_type_share_at_target as (
    select
        workouts.trainer_id,
        workouts.workout_type,
        target_weeks.target_week,
        count(*) as n_workouts
    from workouts
    inner join target_weeks
        on workouts.published_week < target_weeks.target_week
    group by workouts.trainer_id, workouts.workout_type, target_weeks.target_week
),

type_match as (
    select
        candidates.target_week,
        candidates.user_id,
        candidates.trainer_id,
        sum(
            case when preferred_types.preferred_type is not null then trainer_type_share_at_target.n_workouts else 0 end
        )
            as n_preferred_type_workouts
    from candidates
    inner join trainer_type_share_at_target
        on
            candidates.trainer_id = trainer_type_share_at_target.trainer_id
            and candidates.target_week = trainer_type_share_at_target.target_week
    left join preferred_types
        on
            candidates.user_id = preferred_types.user_id
            and trainer_type_share_at_target.workout_type = preferred_types.preferred_type
    group by candidates.target_week, candidates.user_id, candidates.trainer_id
),

goal_trainers as (
    select
        goals.goal,
        trainer_specialities.trainer_id
    from goals
    inner join trainer_specialities
        on goals.speciality = trainer_specialities.speciality
),

labels as (
    select
        user_id,
        trainer_id,
        event_week as target_week
    from weekly
    where is_engaged
),

final as (
    select
        candidates.user_id,
        candidates.trainer_id,
        target_weeks.split,
        candidates.candidate_source,
        users.goal as user_goal,
        case when goal_trainers.trainer_id is not null then 1 else 0 end as goal_match,
        {{ safe_divide('type_match.n_preferred_type_workouts', 'trainers.trainer_workouts') }} as type_match_share,
        abs(users.user_level_rank - trainers.trainer_mean_level_rank) as level_gap,
        users.user_weeks_since_signup,
        users.user_impressions_decayed,
        users.user_clicks_decayed,
        users.user_video_views_decayed,
        users.user_trainers_engaged,
        users.user_ctr,
        trainers.trainer_rating,
        trainers.trainer_years_experience,
        trainers.trainer_price_per_session,
        trainers.trainer_workouts,
        trainers.trainer_weeks_since_joined,
        trainers.trainer_impressions_decayed,
        trainers.trainer_engagement_decayed,
        trainers.trainer_users_engaged,
        trainers.trainer_last_week_engagement,
        trainers.trainer_last_week_rank,
        trainers.trainer_popularity_rank,
        trainers.trainer_ctr_decayed,
        trainers.trainer_sessions,
        trainers.trainer_completion_rate_smoothed,
        trainers.trainer_like_rate_smoothed,
        trainer_feedback.complaint_rate_smoothed as trainer_complaint_rate_smoothed,
        coalesce(pair_history.pair_impressions, 0) as pair_impressions,
        coalesce(pair_history.pair_clicks, 0) as pair_clicks,
        coalesce(pair_history.pair_video_views, 0) as pair_video_views,
        coalesce(pair_history.pair_likes, 0) as pair_likes,
        coalesce(pair_history.pair_impressions_decayed, 0) as pair_impressions_decayed,
        coalesce(pair_history.pair_clicks_decayed, 0) as pair_clicks_decayed,
        coalesce(pair_history.pair_video_views_decayed, 0) as pair_video_views_decayed,
        coalesce(pair_history.pair_likes_decayed, 0) as pair_likes_decayed,
        coalesce(pair_history.pair_ctr, 0) as pair_ctr,
        coalesce(pair_history.pair_mean_watch_fraction, 0) as pair_mean_watch_fraction,
        coalesce(pair_history.pair_engaged_weeks, 0) as pair_engaged_weeks,
        coalesce(pair_history.pair_weeks_since_engaged, 99) as pair_weeks_since_engaged,
        coalesce(collaborative.cf_similarity, 0) as cf_similarity,
        coalesce(collaborative.cf_svd_score, 0) as cf_svd_score,
        coalesce(collaborative.cf_click_affinity, 0) as cf_click_affinity,
        coalesce(collaborative.cf_click_score, 0) as cf_click_score,
        {{ columns_except(ref('int_trainer_speciality_flags'), 'speciality_flags', ['trainer_id'], coalesce_to=0) }},
        case
            when target_weeks.split = 'serve' then null
            when labels.user_id is not null then 1
            else 0
        end as label,
        greatest(
            coalesce(pair_history.max_source_week, cast('1900-01-01' as date)),
            coalesce(users.max_source_week, cast('1900-01-01' as date)),
            trainer_feedback.max_source_week,
            trainers.max_source_week
        ) as max_source_week,
        candidates.target_week
    from candidates
    inner join target_weeks
        on candidates.target_week = target_weeks.target_week
    inner join users
        on
            candidates.user_id = users.user_id
            and candidates.target_week = users.target_week
    inner join trainers
        on
            candidates.trainer_id = trainers.trainer_id
            and candidates.target_week = trainers.target_week
    inner join trainer_feedback
        on
            candidates.trainer_id = trainer_feedback.trainer_id
            and candidates.target_week = trainer_feedback.target_week
    left join pair_history
        on
            candidates.user_id = pair_history.user_id
            and candidates.trainer_id = pair_history.trainer_id
            and candidates.target_week = pair_history.target_week
    left join type_match
        on
            candidates.user_id = type_match.user_id
            and candidates.trainer_id = type_match.trainer_id
            and candidates.target_week = type_match.target_week
    left join goal_trainers
        on
            users.goal = goal_trainers.goal
            and candidates.trainer_id = goal_trainers.trainer_id
    left join speciality_flags
        on candidates.trainer_id = speciality_flags.trainer_id
    left join collaborative
        on
            candidates.user_id = collaborative.user_id
            and candidates.trainer_id = collaborative.trainer_id
            and candidates.target_week = collaborative.target_week
    left join labels
        on
            candidates.user_id = labels.user_id
            and candidates.trainer_id = labels.trainer_id
            and candidates.target_week = labels.target_week
)

select * from final
