with

checked as (
    select * from {{ ref('base_interactions__events_checked') }}
),

valid as (
    select
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(item_id as {{ dbt.type_string() }}) as item_id,
        rating,
        coalesce(weight, 1.0) as weight,
        cast(event_at as timestamp) as event_at,
        log_row
    from checked
    where reject_reason is null
)

select * from valid
