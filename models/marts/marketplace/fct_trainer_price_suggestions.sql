{#- What each trainer should charge in the serve week: a band and a point inside it, with the
    inputs a person needs to trust it and a reason in words. Learned bands come from bookings
    settled before the serve week only (ml_trainer_price_bands). -#}

with

bands as (
    select * from {{ ref('ml_trainer_price_bands') }}
    where split = 'serve'
),

features as (
    select * from {{ ref('int_trainer_price_features') }}
),

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

joined as (
    select
        bands.trainer_id,
        trainers.trainer_name,
        bands.target_week as serve_week,
        bands.min_price,
        bands.optimal_price,
        bands.max_price,
        bands.method,
        features.list_price as current_price,
        round(features.market_median_list_price, 2) as market_median_list_price,
        round(features.market_price_median, 2) as market_median_accepted_price,
        features.comparable_trainers,
        features.market_bookings,
        features.own_bookings,
        features.own_accepted,
        round(features.own_avg_accepted_price, 2) as own_avg_accepted_price,
        features.own_acceptance_rate_smoothed,
        bands.modelled_acceptance,
        bands.training_bookings
    from bands
    inner join features
        on
            bands.trainer_id = features.trainer_id
            and bands.target_week = features.target_week
    inner join trainers
        on bands.trainer_id = trainers.trainer_id
),

texts as (
    select
        trainer_id,
        {{ price_text('optimal_price') }} as optimal_text,
        {{ price_text('min_price') }} as min_text,
        {{ price_text('max_price') }} as max_text,
        {{ price_text('current_price') }} as current_text,
        {{ price_text('market_median_list_price') }} as market_list_text,
        cast(comparable_trainers as {{ dbt.type_string() }}) as comparable_text,
        cast(market_bookings as {{ dbt.type_string() }}) as market_bookings_text,
        cast(own_bookings as {{ dbt.type_string() }}) as own_bookings_text,
        cast(own_accepted as {{ dbt.type_string() }}) as own_accepted_text,
        cast(training_bookings as {{ dbt.type_string() }}) as training_text
    from joined
),

explained as (
    select
        joined.*,
        case
            when joined.method = 'learned'
                then concat(
                    'Charge about ', texts.optimal_text, ' (', texts.min_text, ' to ', texts.max_text,
                    '): the most expected revenue per request for a trainer like you, learned from ',
                    texts.training_text, ' bookings. You list at ', texts.current_text,
                    '; comparable trainers (', texts.comparable_text, ') list at ', texts.market_list_text,
                    ' (median). ', texts.own_accepted_text, ' of your ', texts.own_bookings_text,
                    ' bookings were accepted.'
                )
            when joined.method = 'market_rule'
                then concat(
                    'Few bookings to learn from (yours: ', texts.own_bookings_text,
                    {{ string_literal("): the band is what comparable trainers' sessions were accepted at (") }},
                    texts.market_bookings_text, ' bookings), median ', texts.optimal_text,
                    '. You list at ', texts.current_text, '.'
                )
            else concat(
                'No bookings yet among comparable trainers: keep your list price (', texts.current_text,
                ') until there is evidence.'
            )
        end as reason
    from joined
    inner join texts
        on joined.trainer_id = texts.trainer_id
)

select * from explained
