{{ config(materialized='table') }}

with

source as (
    select * from {{ source('platform', 'workouts') }}
),

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

workout_types as (
    select * from {{ ref('workout_types') }}
),

fitness_levels as (
    select * from {{ ref('fitness_levels') }}
),

numbered as (
    select
        *,
        row_number() over (
            partition by workout_id
            order by published_at, trainer_id, title
        ) as id_occurrence
    from source
),

checked as (
    select
        numbered.workout_id,
        numbered.trainer_id,
        numbered.title,
        numbered.workout_type,
        numbered.fitness_level,
        numbered.duration_min,
        numbered.tags,
        numbered.published_at,
        {{ reject_reason([
            ("numbered.workout_id is null", "null workout_id"),
            (is_blank("numbered.workout_id"), "blank workout_id"),
            ("numbered.id_occurrence > 1", "duplicate workout_id"),
            ("numbered.trainer_id is null", "null trainer_id"),
            (is_blank("numbered.trainer_id"), "blank trainer_id"),
            ("numbered.trainer_id is not null and trainers.trainer_id is null", "unknown trainer_id"),
            ("workout_types.workout_type is null", "unknown workout_type"),
            ("fitness_levels.fitness_level is null", "unknown fitness_level"),
            ("coalesce(numbered.duration_min, 0) <= 0", "duration_min not positive"),
            (is_not_finite("numbered.duration_min"), "duration_min not a finite number"),
            ("numbered.published_at is null", "null published_at"),
            ("numbered.published_at > " ~ utc_now(), "published_at in the future"),
        ]) }} as reject_reason
    from numbered
    left join trainers
        on numbered.trainer_id = trainers.trainer_id
    left join workout_types
        on {{ normalise_term('numbered.workout_type') }} = workout_types.workout_type
    left join fitness_levels
        on numbered.fitness_level = fitness_levels.fitness_level
)

select * from checked
