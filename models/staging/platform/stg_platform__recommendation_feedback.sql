with

checked as (
    select * from {{ ref('base_platform__recommendation_feedback_checked') }}
),

feedback_types as (
    select * from {{ ref('feedback_types') }}
),

valid as (
    select
        cast(checked.user_id as {{ dbt.type_string() }}) as user_id,
        cast(checked.trainer_id as {{ dbt.type_string() }}) as trainer_id,
        {{ week_start('checked.served_week') }} as served_week,
        feedback_types.feedback_type,
        feedback_types.is_complaint,
        nullif(trim(checked.comment), '') as comment,
        cast(checked.given_at as timestamp) as given_at
    from checked
    inner join feedback_types
        on lower(trim(checked.feedback_type)) = feedback_types.feedback_type
    where checked.reject_reason is null
)

select * from valid
