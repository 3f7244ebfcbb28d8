with

checked as (
    select * from {{ ref('base_platform__events_checked') }}
),

valid as (
    select
        cast(event_id as bigint) as event_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(trainer_id as {{ dbt.type_string() }}) as trainer_id,
        cast(workout_id as {{ dbt.type_string() }}) as workout_id,
        event_type,
        cast(watch_fraction as double) as watch_fraction,
        cast(event_at as timestamp) as event_at,
        {{ week_start('event_at') }} as event_week
    from checked
    where reject_reason is null
)

select * from valid
