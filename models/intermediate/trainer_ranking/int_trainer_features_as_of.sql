{#- Per (trainer, target week T): popularity (recency-weighted) and quality signals from weeks
    <= T-1, for every trainer with a workout published before T. Session completion and like
    rates are Beta-smoothed (prior vars, Beta(2, 2) by default) so a trainer with three sessions
    does not look perfect. -#}

with

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

workouts as (
    select * from {{ ref('stg_platform__workouts') }}
),

fitness_levels as (
    select * from {{ ref('fitness_levels') }}
),

sessions as (
    select * from {{ ref('stg_platform__sessions') }}
),

feedback as (
    select * from {{ ref('stg_platform__feedback') }}
),

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
),

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

catalogue_at_target as (
    select
        workouts.trainer_id,
        target_weeks.target_week,
        count(*) as trainer_workouts,
        round(avg(fitness_levels.level_rank), 9) as trainer_mean_level_rank,
        max(workouts.published_at) as trainer_newest_workout_at
    from workouts
    inner join fitness_levels
        on workouts.fitness_level = fitness_levels.fitness_level
    inner join target_weeks
        on workouts.published_week < target_weeks.target_week
    group by workouts.trainer_id, target_weeks.target_week
),

trainer_weeks as (
    select
        trainer_id,
        event_week,
        {{ count_sum('impressions') }} as impressions,
        {{ count_sum('clicks') }} as clicks,
        {{ count_sum('video_views') }} as video_views,
        {{ count_sum('likes') }} as likes
    from weekly
    group by trainer_id, event_week
),

weighted_trainer_weeks as (
    select
        trainer_weeks.*,
        target_weeks.target_week,
        {{ decay_weight('trainer_weeks.event_week', 'target_weeks.target_week') }} as recency_weight
    from trainer_weeks
    inner join target_weeks
        on trainer_weeks.event_week < target_weeks.target_week
),

engagement as (
    -- from the full weekly table, not the (sampled) pair history: trainer popularity must mean
    -- the same in training weeks as in the serve week
    select
        trainer_id,
        target_week,
        {{ stable_sum('impressions * recency_weight') }} as trainer_impressions_decayed,
        {{ stable_sum('clicks * recency_weight') }} as trainer_clicks_decayed,
        {{ stable_sum('video_views * recency_weight') }} as trainer_video_views_decayed,
        {{ stable_sum('likes * recency_weight') }} as trainer_likes_decayed,
        {{ count_sum('impressions') }} as trainer_impressions,
        {{ count_sum('clicks') }} as trainer_clicks,
        {{ count_sum('video_views') }} as trainer_video_views,
        {{ count_sum('likes') }} as trainer_likes,
        max(event_week) as max_source_week
    from weighted_trainer_weeks
    group by trainer_id, target_week
),

new_engagers as (
    select
        trainer_id,
        first_engaged_week,
        count(*) as users
    from (
        select
            user_id,
            trainer_id,
            min(event_week) as first_engaged_week
        from weekly
        where is_engaged
        group by user_id, trainer_id
    ) as first_engagements
    group by trainer_id, first_engaged_week
),

users_engaged as (
    select
        new_engagers.trainer_id,
        target_weeks.target_week,
        {{ count_sum('new_engagers.users') }} as trainer_users_engaged
    from new_engagers
    inner join target_weeks
        on new_engagers.first_engaged_week < target_weeks.target_week
    group by new_engagers.trainer_id, target_weeks.target_week
),

last_week as (
    select
        weekly.trainer_id,
        target_weeks.target_week,
        {{ count_sum('weekly.clicks + weekly.video_views + weekly.likes') }} as trainer_last_week_engagement
    from weekly
    inner join target_weeks
        on weekly.event_week = {{ add_weeks('target_weeks.target_week', -1) }}
    group by weekly.trainer_id, target_weeks.target_week
),

session_quality as (
    select
        workouts.trainer_id,
        target_weeks.target_week,
        count(*) as trainer_sessions,
        {{ count_sum('case when sessions.is_completed then 1 else 0 end') }} as trainer_sessions_completed,
        {{ count_sum(
            "case when sessions.started_at >= cast(" ~ add_days('target_weeks.target_week', -30)
            ~ " as timestamp) then 1 else 0 end"
        ) }} as trainer_sessions_30d,
        {{ count_sum(
            "case when sessions.started_at >= cast(" ~ add_days('target_weeks.target_week', -90)
            ~ " as timestamp) then 1 else 0 end"
        ) }} as trainer_sessions_90d,
        max(sessions.started_week) as max_source_week
    from sessions
    inner join workouts
        on sessions.workout_id = workouts.workout_id
    inner join target_weeks
        on sessions.started_week < target_weeks.target_week
    group by workouts.trainer_id, target_weeks.target_week
),

feedback_quality as (
    select
        workouts.trainer_id,
        target_weeks.target_week,
        count(*) as trainer_feedbacks,
        {{ count_sum('case when feedback.is_liked then 1 else 0 end') }} as trainer_feedback_likes,
        max(feedback.feedback_week) as max_source_week
    from feedback
    inner join workouts
        on feedback.workout_id = workouts.workout_id
    inner join target_weeks
        on feedback.feedback_week < target_weeks.target_week
    group by workouts.trainer_id, target_weeks.target_week
),

joined as (
    select
        trainers.trainer_id,
        catalogue_at_target.target_week,
        trainers.rating as trainer_rating,
        trainers.years_experience as trainer_years_experience,
        trainers.price_per_session as trainer_price_per_session,
        catalogue_at_target.trainer_workouts,
        catalogue_at_target.trainer_mean_level_rank,
        {{ weeks_between('trainers.joined_week', 'catalogue_at_target.target_week') }} as trainer_weeks_since_joined,
        coalesce(engagement.trainer_impressions_decayed, 0) as trainer_impressions_decayed,
        coalesce(engagement.trainer_clicks_decayed, 0) as trainer_clicks_decayed,
        coalesce(engagement.trainer_video_views_decayed, 0) as trainer_video_views_decayed,
        coalesce(engagement.trainer_likes_decayed, 0) as trainer_likes_decayed,
        coalesce(users_engaged.trainer_users_engaged, 0) as trainer_users_engaged,
        coalesce(last_week.trainer_last_week_engagement, 0) as trainer_last_week_engagement,
        coalesce(engagement.trainer_impressions, 0) as trainer_impressions,
        coalesce(engagement.trainer_clicks, 0) as trainer_clicks,
        coalesce(engagement.trainer_video_views, 0) as trainer_video_views,
        coalesce(engagement.trainer_likes, 0) as trainer_likes,
        catalogue_at_target.trainer_newest_workout_at,
        coalesce(session_quality.trainer_sessions, 0) as trainer_sessions,
        coalesce(session_quality.trainer_sessions_30d, 0) as trainer_sessions_30d,
        coalesce(session_quality.trainer_sessions_90d, 0) as trainer_sessions_90d,
        {{ beta_smoothed('session_quality.trainer_sessions_completed', 'session_quality.trainer_sessions') }}
            as trainer_completion_rate_smoothed,
        {{ beta_smoothed('feedback_quality.trainer_feedback_likes', 'feedback_quality.trainer_feedbacks') }}
            as trainer_like_rate_smoothed,
        greatest(
            coalesce(engagement.max_source_week, cast('1900-01-01' as date)),
            coalesce(session_quality.max_source_week, cast('1900-01-01' as date)),
            coalesce(feedback_quality.max_source_week, cast('1900-01-01' as date))
        ) as max_source_week
    from trainers
    inner join catalogue_at_target
        on trainers.trainer_id = catalogue_at_target.trainer_id
    left join engagement
        on
            catalogue_at_target.trainer_id = engagement.trainer_id
            and catalogue_at_target.target_week = engagement.target_week
    left join users_engaged
        on
            catalogue_at_target.trainer_id = users_engaged.trainer_id
            and catalogue_at_target.target_week = users_engaged.target_week
    left join last_week
        on
            catalogue_at_target.trainer_id = last_week.trainer_id
            and catalogue_at_target.target_week = last_week.target_week
    left join session_quality
        on
            catalogue_at_target.trainer_id = session_quality.trainer_id
            and catalogue_at_target.target_week = session_quality.target_week
    left join feedback_quality
        on
            catalogue_at_target.trainer_id = feedback_quality.trainer_id
            and catalogue_at_target.target_week = feedback_quality.target_week
),

final as (
    select
        trainer_id,
        trainer_rating,
        trainer_years_experience,
        trainer_price_per_session,
        trainer_workouts,
        trainer_mean_level_rank,
        trainer_weeks_since_joined,
        trainer_impressions_decayed,
        trainer_clicks_decayed,
        trainer_video_views_decayed,
        trainer_likes_decayed,
        trainer_clicks_decayed + trainer_video_views_decayed + trainer_likes_decayed
            as trainer_engagement_decayed,
        trainer_users_engaged,
        trainer_last_week_engagement,
        {{ safe_divide('trainer_clicks_decayed', 'trainer_impressions_decayed') }} as trainer_ctr_decayed,
        trainer_impressions,
        trainer_clicks,
        trainer_video_views,
        trainer_likes,
        trainer_newest_workout_at,
        trainer_sessions,
        trainer_sessions_30d,
        trainer_sessions_90d,
        trainer_completion_rate_smoothed,
        trainer_like_rate_smoothed,
        row_number() over (
            partition by target_week
            order by trainer_clicks_decayed + trainer_video_views_decayed + trainer_likes_decayed desc, trainer_id
        ) as trainer_popularity_rank,
        row_number() over (
            partition by target_week
            order by trainer_last_week_engagement desc, trainer_id asc
        ) as trainer_last_week_rank,
        max_source_week,
        target_week
    from joined
)

select * from final
