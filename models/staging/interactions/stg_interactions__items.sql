with

checked as (
    select * from {{ ref('base_interactions__items_checked') }}
),

valid as (
    select
        cast(item_id as {{ dbt.type_string() }}) as item_id,
        title
    from checked
    where reject_reason is null
)

select * from valid
