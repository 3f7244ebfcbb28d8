with

checked as (
    select * from {{ ref('base_platform__sessions_checked') }}
),

valid as (
    select
        cast(session_id as bigint) as session_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(workout_id as {{ dbt.type_string() }}) as workout_id,
        completed_at is not null as is_completed,
        cast(started_at as timestamp) as started_at,
        cast(completed_at as timestamp) as completed_at,
        {{ week_start('started_at') }} as started_week
    from checked
    where reject_reason is null
)

select * from valid
