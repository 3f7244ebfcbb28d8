with

checked as (
    select * from {{ ref('base_platform__workouts_checked') }}
),

valid as (
    select
        cast(workout_id as {{ dbt.type_string() }}) as workout_id,
        cast(trainer_id as {{ dbt.type_string() }}) as trainer_id,
        title,
        {{ normalise_term('workout_type') }} as workout_type,
        fitness_level,
        cast(duration_min as integer) as duration_min,
        cast(published_at as timestamp) as published_at,
        {{ week_start('published_at') }} as published_week
    from checked
    where reject_reason is null
)

select * from valid
