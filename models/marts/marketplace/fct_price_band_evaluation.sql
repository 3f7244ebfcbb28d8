{#- Are the bands calibrated? Every week's bands before the serve week (each learned from the
    bookings before its week) against the sessions accepted that week, a rolling backtest: the
    share of accepted prices inside [min, max] should be near the nominal coverage (upper - lower
    band quantile). One row per method and one for all. -#}

with

bands as (
    select * from {{ ref('ml_trainer_price_bands') }}
    where split != 'serve'
),

accepted as (
    select * from {{ ref('stg_platform__bookings') }}
    where is_accepted
),

scored as (
    select
        bands.method,
        bands.trainer_id,
        bands.target_week,
        accepted.price_paid,
        bands.min_price,
        bands.optimal_price,
        bands.max_price,
        case when accepted.price_paid between bands.min_price and bands.max_price then 1 else 0 end as is_inside,
        case when accepted.price_paid < bands.min_price then 1 else 0 end as is_below,
        (bands.max_price - bands.min_price) / nullif(bands.optimal_price, 0) as relative_width
    from bands
    inner join accepted
        on
            bands.trainer_id = accepted.trainer_id
            and bands.target_week = accepted.booked_week
),

by_method as (
    select
        coalesce(method, 'all') as method,
        count(distinct target_week) as weeks,
        min(target_week) as first_week,
        max(target_week) as last_week,
        count(distinct trainer_id) as trainers,
        count(*) as accepted_bookings,
        avg(is_inside) as share_inside_band,
        avg(is_below) as share_below_min,
        1 - avg(is_inside) - avg(is_below) as share_above_max,
        {{ stable_avg('relative_width') }} as mean_relative_width
    from scored
    group by rollup(method)
),

final as (
    select
        by_method.method,
        by_method.weeks,
        by_method.first_week,
        by_method.last_week,
        by_method.trainers,
        by_method.accepted_bookings,
        by_method.share_inside_band,
        cast(
            {{ var('price_band_upper_quantile') }} - {{ var('price_band_lower_quantile') }} as double
        ) as nominal_coverage,
        by_method.share_below_min,
        by_method.share_above_max,
        by_method.mean_relative_width
    from by_method
)

select * from final
