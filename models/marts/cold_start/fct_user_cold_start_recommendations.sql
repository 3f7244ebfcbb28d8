{#- The cold-start lists merged per user: it reads the MMR lists of a Python model (python_stages_enabled). -#}
{{ config(post_hook="{{ create_cold_start_lookup() }}", enabled=python_stages_enabled('cold_start')) }}

{#- The cold-start list each known user gets from their profile alone: the lists of all their
    segments (one per preferred type) merged round-robin into one list of `segment_list_size`:
    every segment's first pick before any segment's second, ties by relevance then workout id, a
    workout listed by two segments counted once. A user with no preferred type gets the merge of
    all segments of their age x level. The post-hook creates the same lookup as a DuckDB table
    macro, `marts.cold_start_recommendations(age_group, fitness_level, preferred_types)`, that an
    app can call for a profile that is not in the warehouse yet. -#}

with

users as (
    select * from {{ ref('stg_platform__users') }}
),

user_segments as (
    select * from {{ ref('int_user_segments') }}
),

segments as (
    select * from {{ ref('int_segments_enumerated') }}
),

lists as (
    select * from {{ ref('fct_segment_recommendations') }}
),

memberships as (
    select
        user_id,
        segment_key
    from user_segments
    union all
    select
        users.user_id,
        segments.segment_key
    from users
    inner join segments
        on
            users.age_group = segments.age_group
            and users.fitness_level = segments.fitness_level
    left join user_segments
        on users.user_id = user_segments.user_id
    where user_segments.user_id is null
),

merged as (
    select
        memberships.user_id,
        lists.workout_id,
        lists.workout_title,
        lists.workout_type,
        lists.trainer_id,
        lists.trainer_name,
        min(lists.rank) as best_segment_rank,
        max(lists.relevance) as best_relevance,
        count(*) as segments_listing
    from memberships
    inner join lists
        on memberships.segment_key = lists.segment_key
    group by
        memberships.user_id, lists.workout_id, lists.workout_title, lists.workout_type, lists.trainer_id,
        lists.trainer_name
),

ranked as (
    select
        *,
        row_number() over (
            partition by user_id
            order by best_segment_rank asc, best_relevance desc, workout_id asc
        ) as rank
    from merged
),

final as (
    select
        user_id,
        rank,
        workout_id,
        workout_title,
        workout_type,
        trainer_id,
        trainer_name,
        best_segment_rank,
        best_relevance,
        segments_listing
    from ranked
    where rank <= {{ var('segment_list_size') }}
)

select * from final
