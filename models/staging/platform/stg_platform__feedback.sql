with

checked as (
    select * from {{ ref('base_platform__feedback_checked') }}
),

valid as (
    select
        cast(feedback_id as bigint) as feedback_id,
        cast(session_id as bigint) as session_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(workout_id as {{ dbt.type_string() }}) as workout_id,
        liked = 1 as is_liked,
        cast(feedback_at as timestamp) as feedback_at,
        {{ week_start('feedback_at') }} as feedback_week
    from checked
    where reject_reason is null
)

select * from valid
