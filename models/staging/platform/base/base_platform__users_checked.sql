{{ config(materialized='table') }}

with

source as (
    select * from {{ source('platform', 'users') }}
),

age_groups as (
    select * from {{ ref('age_groups') }}
),

fitness_levels as (
    select * from {{ ref('fitness_levels') }}
),

goals as (
    select * from {{ ref('goals') }}
),

workout_types as (
    select * from {{ ref('workout_types') }}
),

numbered as (
    select
        *,
        {{ row_key() }} as row_key
    from source
),

preferred_types_unnested as (
    select
        row_key,
        {{ explode_list('preferred_types') }} as raw_type
    from numbered
),

preferred_types_exploded as (
    select
        row_key,
        {{ normalise_term('raw_type') }} as preferred_type
    from preferred_types_unnested
),

preferred_types_checked as (
    select
        preferred_types_exploded.row_key,
        count(*) as n_types,
        sum(case when workout_types.workout_type is null then 1 else 0 end) as n_unknown
    from preferred_types_exploded
    left join workout_types
        on preferred_types_exploded.preferred_type = workout_types.workout_type
    group by preferred_types_exploded.row_key
),

checked as (
    select
        numbered.user_id,
        numbered.signup_at,
        numbered.age_group,
        numbered.fitness_level,
        numbered.goal,
        numbered.preferred_types,
        {{ reject_reason([
            ("numbered.user_id is null", "null user_id"),
            (is_blank("numbered.user_id"), "blank user_id"),
            ("numbered.signup_at is null", "null signup_at"),
            ("numbered.signup_at > " ~ utc_now(), "signup_at in the future"),
            (implausibly_early("numbered.signup_at"), "signup_at before earliest_plausible_date"),
            ("age_groups.age_group is null", "unknown age_group"),
            ("fitness_levels.fitness_level is null", "unknown fitness_level"),
            ("goals.goal is null", "unknown goal"),
            ("coalesce(preferred_types_checked.n_types, 0) = 0", "no preferred_types"),
            ("preferred_types_checked.n_unknown > 0", "unknown preferred_type"),
        ], duplicate={'key': 'numbered.user_id', 'order_by': 'numbered.signup_at, numbered.age_group, numbered.fitness_level, numbered.goal', 'reason': 'duplicate user_id'}) }} as reject_reason
    from numbered
    left join age_groups
        on numbered.age_group = age_groups.age_group
    left join fitness_levels
        on numbered.fitness_level = fitness_levels.fitness_level
    left join goals
        on numbered.goal = goals.goal
    left join preferred_types_checked
        on numbered.row_key = preferred_types_checked.row_key
)

select * from checked
