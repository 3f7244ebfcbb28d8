with

checked as (
    select * from {{ ref('base_platform__users_checked') }}
    where reject_reason is null
),

exploded as (
    select
        user_id,
        {{ explode_list('preferred_types') }} as raw_type
    from checked
),

normalised as (
    select distinct
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        {{ normalise_term('raw_type') }} as preferred_type
    from exploded
)

select * from normalised
