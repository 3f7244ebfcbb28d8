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

checked as (
    select
        source.workout_id,
        source.trainer_id,
        source.title,
        source.workout_type,
        source.fitness_level,
        source.duration_min,
        source.tags,
        source.published_at,
        {{ reject_reason([
            ("source.workout_id is null", "null workout_id"),
            (is_blank("source.workout_id"), "blank workout_id"),
            ("source.trainer_id is null", "null trainer_id"),
            (is_blank("source.trainer_id"), "blank trainer_id"),
            ("source.trainer_id is not null and trainers.trainer_id is null", "unknown trainer_id"),
            ("workout_types.workout_type is null", "unknown workout_type"),
            ("fitness_levels.fitness_level is null", "unknown fitness_level"),
            ("coalesce(source.duration_min, 0) <= 0", "duration_min not positive"),
            (is_not_finite("source.duration_min"), "duration_min not a finite number"),
            ("source.published_at is null", "null published_at"),
            ("source.published_at > " ~ utc_now(), "published_at in the future"),
            (implausibly_early("source.published_at"), "published_at before earliest_plausible_date"),
        ], duplicate={'key': 'source.workout_id', 'order_by': 'source.published_at, source.trainer_id, source.title', 'reason': 'duplicate workout_id'}) }} as reject_reason
    from source
    left join trainers
        on source.trainer_id = trainers.trainer_id
    left join workout_types
        on {{ normalise_term('source.workout_type') }} = workout_types.workout_type
    left join fitness_levels
        on source.fitness_level = fitness_levels.fitness_level
)

select * from checked
