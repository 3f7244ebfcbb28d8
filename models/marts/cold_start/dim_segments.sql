{#- One row per possible cold-start segment (age_group x fitness_level x preferred_type), including
    segments nobody is in yet, with their size and how much evidence their list stands on. -#}

with

segments as (
    select * from {{ ref('int_segments_enumerated') }}
),

user_segments as (
    select * from {{ ref('int_user_segments') }}
),

scored as (
    select * from {{ ref('int_segment_workouts_scored') }}
),

members as (
    select
        segment_key,
        count(*) as users
    from user_segments
    group by segment_key
),

evidence as (
    select
        pool_key as segment_key,
        {{ count_sum('case when has_evidence then 1 else 0 end') }} as evidenced_workouts,
        {{ count_sum('views') }} as sessions
    from scored
    where pool_level = 'segment'
    group by pool_key
),

final as (
    select
        segments.segment_key,
        segments.age_level_key,
        segments.level_key,
        segments.age_group,
        segments.fitness_level,
        segments.preferred_type,
        coalesce(members.users, 0) as users,
        coalesce(evidence.sessions, 0) as sessions,
        coalesce(evidence.evidenced_workouts, 0) as evidenced_workouts,
        coalesce(evidence.evidenced_workouts, 0) < {{ var('segment_list_size') }} as is_sparse
    from segments
    left join members
        on segments.segment_key = members.segment_key
    left join evidence
        on segments.segment_key = evidence.segment_key
)

select * from final
