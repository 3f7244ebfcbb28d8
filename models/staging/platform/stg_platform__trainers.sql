with

checked as (
    select * from {{ ref('base_platform__trainers_checked') }}
),

valid as (
    select
        cast(trainer_id as {{ dbt.type_string() }}) as trainer_id,
        name as trainer_name,
        specialities as specialities_raw,
        cast(years_experience as integer) as years_experience,
        cast(rating as double) as rating,
        cast(price_per_session as double) as price_per_session,
        cast(joined_at as timestamp) as joined_at,
        {{ week_start('joined_at') }} as joined_week
    from checked
    where reject_reason is null
)

select * from valid
