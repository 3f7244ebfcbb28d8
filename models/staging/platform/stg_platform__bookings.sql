with

checked as (
    select * from {{ ref('base_platform__bookings_checked') }}
),

valid as (
    select
        cast(booking_id as bigint) as booking_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(trainer_id as {{ dbt.type_string() }}) as trainer_id,
        cast(booked_at as timestamp) as booked_at,
        {{ week_start('booked_at') }} as booked_week,
        cast(price_paid as double) as price_paid,
        lower(trim(status)) as status,
        lower(trim(status)) = 'accepted' as is_accepted
    from checked
    where reject_reason is null
)

select * from valid
