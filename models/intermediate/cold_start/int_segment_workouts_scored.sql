{#- Per (pool, workout): Beta-smoothed completion and like rates, views_norm (views / the pool's
    most viewed workout), the blended score, freshness decay and the flagged-instructor demotion:

        base_score = w_c * p_completion + w_l * p_like + w_v * views_norm
        score      = base_score * exp(-freshness_lambda * days_old) * instructor_factor

    days_old counts days from the workout's last session before the as-of day (var freshness_basis
    = 'last_session', default) or from its publication ('published'); a workout nobody has started
    yet falls back to its publication day. The 'everyone' pool holds every published workout, so
    even a brand-new catalogue can fill a list. `relevance` = score / the pool's best score. -#}

with

workouts as (
    select * from {{ ref('stg_platform__workouts') }}
),

sessions as (
    select * from {{ ref('stg_platform__sessions') }}
),

pooled as (
    select * from {{ ref('int_segment_workouts_aggregated') }}
),

trainer_quality as (
    select * from {{ ref('int_trainer_quality_scored') }}
),

as_of as (
    select * from {{ ref('int_cold_start_as_of') }}
),

published as (
    select workouts.*
    from workouts
    inner join as_of
        on workouts.published_at < as_of.as_of_end_at
),

last_sessions as (
    select
        sessions.workout_id,
        cast(max(sessions.started_at) as date) as last_session_date
    from sessions
    inner join as_of
        on sessions.started_at < as_of.as_of_end_at
    group by sessions.workout_id
),

workout_age as (
    select
        published.workout_id,
        published.trainer_id,
        last_sessions.last_session_date,
        greatest(
            {{ days_between(
                "coalesce(last_sessions.last_session_date, cast(published.published_at as date))"
                if var('freshness_basis') == 'last_session'
                else "cast(published.published_at as date)",
                'as_of.as_of_date') }},
            0
        ) as days_old,
        coalesce(trainer_quality.is_flagged, false) as is_instructor_flagged
    from published
    cross join as_of
    left join last_sessions
        on published.workout_id = last_sessions.workout_id
    left join trainer_quality
        on published.trainer_id = trainer_quality.trainer_id
),

everyone_counts as (
    select * from pooled
    where pool_level = 'everyone'
),

everyone_pool as (
    -- every published workout, with zero counts where nobody has started it yet
    select
        'everyone' as pool_level,
        '*' as pool_key,
        workout_age.workout_id,
        coalesce(everyone_counts.views, 0) as views,
        coalesce(everyone_counts.completions, 0) as completions,
        coalesce(everyone_counts.feedbacks, 0) as feedbacks,
        coalesce(everyone_counts.likes, 0) as likes
    from workout_age
    left join everyone_counts
        on workout_age.workout_id = everyone_counts.workout_id
),

all_pools as (
    select * from pooled
    where pool_level != 'everyone'
    union all
    select * from everyone_pool
),

rated as (
    select
        all_pools.pool_level,
        all_pools.pool_key,
        all_pools.workout_id,
        workout_age.trainer_id,
        all_pools.views,
        all_pools.completions,
        all_pools.feedbacks,
        all_pools.likes,
        {{ beta_smoothed('all_pools.completions', 'all_pools.views') }} as p_completion,
        {{ beta_smoothed('all_pools.likes', 'all_pools.feedbacks') }} as p_like,
        {{ safe_divide('all_pools.views', 'max(all_pools.views) over (partition by all_pools.pool_key)') }}
            as views_norm,
        workout_age.days_old,
        exp(-{{ var('freshness_lambda') }} * workout_age.days_old) as freshness,
        case
            when workout_age.is_instructor_flagged and {{ var('demote_flagged_instructors') }}
                then {{ var('flagged_instructor_penalty') }}
            else 1.0
        end as instructor_factor,
        workout_age.is_instructor_flagged,
        all_pools.views > 0 as has_evidence
    from all_pools
    inner join workout_age
        on all_pools.workout_id = workout_age.workout_id
),

scored as (
    select
        *,
        {{ var('segment_weight_completion') }} * p_completion
        + {{ var('segment_weight_like') }} * p_like
        + {{ var('segment_weight_views') }} * views_norm as base_score
    from rated
),

final as (
    select
        pool_level,
        pool_key,
        workout_id,
        trainer_id,
        views,
        completions,
        feedbacks,
        likes,
        days_old,
        round(p_completion, 12) as p_completion,
        round(p_like, 12) as p_like,
        round(views_norm, 12) as views_norm,
        round(base_score, 12) as base_score,
        round(freshness, 12) as freshness,
        instructor_factor,
        round(base_score * freshness * instructor_factor, 12) as score,
        round(
            base_score * freshness * instructor_factor
            / max(base_score * freshness * instructor_factor) over (partition by pool_key),
            12
        ) as relevance,
        row_number() over (
            partition by pool_key
            order by base_score * freshness * instructor_factor desc, workout_id
        ) as pool_rank,
        is_instructor_flagged,
        has_evidence
    from scored
)

select * from final
