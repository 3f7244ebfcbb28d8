{#- Per (pool, workout): sessions started (views), sessions completed, feedbacks and likes, as of
    `int_cold_start_as_of`. Pools are the segment (age x level x preferred type) and its parents:
    age x level, level, everyone. A session counts once in each pool its user belongs to; a user
    with several preferred types counts once per segment but once only in each parent pool.
    The parents are rolled up from the age x level counts, not recomputed from the sessions. -#}

with

sessions as (
    select * from {{ ref('stg_platform__sessions') }}
),

feedback as (
    select * from {{ ref('stg_platform__feedback') }}
),

users as (
    select * from {{ ref('stg_platform__users') }}
),

preferred_types as (
    select * from {{ ref('stg_platform__user_preferred_types') }}
),

as_of as (
    select * from {{ ref('int_cold_start_as_of') }}
),

facts as (
    select
        sessions.user_id,
        sessions.workout_id,
        1 as is_view,
        case when sessions.is_completed and sessions.completed_at < as_of.as_of_end_at then 1 else 0 end
            as is_completion,
        0 as is_feedback,
        0 as is_like
    from sessions
    inner join as_of
        on sessions.started_at < as_of.as_of_end_at
    union all
    select
        feedback.user_id,
        feedback.workout_id,
        0 as is_view,
        0 as is_completion,
        1 as is_feedback,
        case when feedback.is_liked then 1 else 0 end as is_like
    from feedback
    inner join as_of
        on feedback.feedback_at < as_of.as_of_end_at
),

facts_with_profile as (
    select
        facts.*,
        users.age_group,
        users.fitness_level
    from facts
    inner join users
        on facts.user_id = users.user_id
),

segment_pools as (
    select
        'segment' as pool_level,
        {{ segment_key('facts_with_profile.age_group', 'facts_with_profile.fitness_level',
            'preferred_types.preferred_type') }} as pool_key,
        facts_with_profile.workout_id,
        {{ count_sum('facts_with_profile.is_view') }} as views,
        {{ count_sum('facts_with_profile.is_completion') }} as completions,
        {{ count_sum('facts_with_profile.is_feedback') }} as feedbacks,
        {{ count_sum('facts_with_profile.is_like') }} as likes
    from facts_with_profile
    inner join preferred_types
        on facts_with_profile.user_id = preferred_types.user_id
    group by
        facts_with_profile.age_group,
        facts_with_profile.fitness_level,
        preferred_types.preferred_type,
        facts_with_profile.workout_id
),

age_level_pools as (
    select
        'age_level' as pool_level,
        {{ segment_key('age_group', 'fitness_level') }} as pool_key,
        fitness_level,
        workout_id,
        {{ count_sum('is_view') }} as views,
        {{ count_sum('is_completion') }} as completions,
        {{ count_sum('is_feedback') }} as feedbacks,
        {{ count_sum('is_like') }} as likes
    from facts_with_profile
    group by age_group, fitness_level, workout_id
),

-- the wider pools roll up the age x level counts (each session is in exactly one age x level)
level_pools as (
    select
        'level' as pool_level,
        fitness_level as pool_key,
        workout_id,
        {{ count_sum('views') }} as views,
        {{ count_sum('completions') }} as completions,
        {{ count_sum('feedbacks') }} as feedbacks,
        {{ count_sum('likes') }} as likes
    from age_level_pools
    group by fitness_level, workout_id
),

everyone_pool as (
    select
        'everyone' as pool_level,
        '*' as pool_key,
        workout_id,
        {{ count_sum('views') }} as views,
        {{ count_sum('completions') }} as completions,
        {{ count_sum('feedbacks') }} as feedbacks,
        {{ count_sum('likes') }} as likes
    from level_pools
    group by workout_id
),

final as (
    select * from segment_pools
    union all
    select
        pool_level,
        pool_key,
        workout_id,
        views,
        completions,
        feedbacks,
        likes
    from age_level_pools
    union all
    select * from level_pools
    union all
    select * from everyone_pool
)

select * from final
