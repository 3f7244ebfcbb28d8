with

checked as (
    select * from {{ ref('base_platform__users_checked') }}
),

valid as (
    select
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        age_group,
        fitness_level,
        goal,
        cast(signup_at as timestamp) as signup_at,
        {{ week_start('signup_at') }} as signup_week
    from checked
    where reject_reason is null
)

select * from valid
