with

checked as (
    select * from {{ ref('base_platform__users_checked') }}
    where reject_reason is null
),

exploded as (
    select distinct
        cast(user_id as varchar) as user_id,
        {{ normalise_term(explode_list('preferred_types')) }} as preferred_type
    from checked
)

select * from exploded
