{#- Per (trainer, target week T): what a price suggestion for week T may know, from bookings
    settled (accepted or cancelled) before T only: the trainer's own bookings, acceptance rate
    (smoothed towards their market's) and average accepted price; their market — the trainers who
    share a speciality with them (everyone, when they have no known speciality) — with its
    median list price, competition, acceptance rate and quantiles of accepted prices; and the
    trainer's quality and engagement signals as of T-1 (int_trainer_features_as_of). One row per
    trainer the ranking path knows at T (a workout published before T).
    A market depends only on the trainer's set of known specialities, so the market's bookings are
    summarised once per set and week, not once per trainer (at 10M events: 1,000 trainers, a few
    hundred sets), and each trainer reads its set's. -#}

{{ config(materialized='table') }}

with

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
),

trainer_features as (
    select * from {{ ref('int_trainer_features_as_of') }}
),

trainers as (
    select
        trainer_id,
        price_per_session as list_price
    from {{ ref('stg_platform__trainers') }}
),

specialities as (
    select distinct
        trainer_id,
        speciality
    from {{ ref('stg_platform__trainer_specialities') }}
    where is_known_term
),

settled as (
    select
        trainer_id,
        booked_week,
        price_paid,
        is_accepted
    from {{ ref('stg_platform__bookings') }}
    where status in ('accepted', 'cancelled')
),

shared_speciality as (
    select distinct
        specialities.trainer_id,
        others.trainer_id as comparable_trainer_id
    from specialities
    inner join specialities as others
        on specialities.speciality = others.speciality
),

comparable as (
    select
        trainer_id,
        comparable_trainer_id
    from shared_speciality
    union all
    select
        trainers.trainer_id,
        others.trainer_id as comparable_trainer_id
    from trainers
    cross join trainers as others
    where trainers.trainer_id not in (select shared_speciality.trainer_id from shared_speciality)
),

trainer_markets as (
    -- the market's key: the trainer's known specialities, sorted ('' when none: everyone)
    select
        trainers.trainer_id,
        coalesce(known.speciality_set, '') as market_key
    from trainers
    left join (
        select
            trainer_id,
            {{ sorted_text_list('speciality', '|') }} as speciality_set
        from specialities
        group by trainer_id
    ) as known
        on trainers.trainer_id = known.trainer_id
),

market_comparables as (
    -- each market's trainers: the comparable trainers of one trainer with that key (all alike)
    select
        representatives.market_key,
        comparable.comparable_trainer_id
    from (
        select
            market_key,
            min(trainer_id) as trainer_id
        from trainer_markets
        group by market_key
    ) as representatives
    inner join comparable
        on representatives.trainer_id = comparable.trainer_id
),

market_list as (
    select
        comparable.trainer_id,
        count(*) - 1 as comparable_trainers,
        {{ continuous_quantile('others.list_price', 0.5) }} as market_median_list_price
    from comparable
    inner join trainers as others
        on comparable.comparable_trainer_id = others.trainer_id
    group by comparable.trainer_id
),

own_history as (
    select
        target_weeks.target_week,
        settled.trainer_id,
        count(*) as own_bookings,
        sum(case when settled.is_accepted then 1 else 0 end) as own_accepted,
        {{ stable_avg('case when settled.is_accepted then settled.price_paid end') }} as own_avg_accepted_price,
        max(settled.booked_week) as own_last_booked_week
    from target_weeks
    inner join settled
        on target_weeks.target_week > settled.booked_week
    group by target_weeks.target_week, settled.trainer_id
),

market_history as (
    select
        target_weeks.target_week,
        market_comparables.market_key,
        count(*) as market_bookings,
        sum(case when settled.is_accepted then 1 else 0 end) as market_accepted,
        {{ continuous_quantile('case when settled.is_accepted then settled.price_paid end',
            var('price_band_lower_quantile')) }} as market_price_low,
        {{ continuous_quantile('case when settled.is_accepted then settled.price_paid end', 0.5) }}
            as market_price_median,
        {{ continuous_quantile('case when settled.is_accepted then settled.price_paid end',
            var('price_band_upper_quantile')) }} as market_price_high
    from target_weeks
    cross join market_comparables
    inner join settled
        on
            market_comparables.comparable_trainer_id = settled.trainer_id
            and target_weeks.target_week > settled.booked_week
    group by target_weeks.target_week, market_comparables.market_key
),

assembled as (
    select
        trainer_features.trainer_id,
        trainer_features.target_week,
        target_weeks.split,
        trainers.list_price,
        market_list.comparable_trainers,
        market_list.market_median_list_price,
        coalesce(market_history.market_bookings, 0) as market_bookings,
        {{ safe_divide('market_history.market_accepted', 'market_history.market_bookings', empty='null') }}
            as market_acceptance_rate,
        market_history.market_price_low,
        market_history.market_price_median,
        market_history.market_price_high,
        coalesce(own_history.own_bookings, 0) as own_bookings,
        coalesce(own_history.own_accepted, 0) as own_accepted,
        own_history.own_avg_accepted_price,
        trainer_features.trainer_rating,
        trainer_features.trainer_years_experience,
        trainer_features.trainer_ctr_decayed,
        trainer_features.trainer_engagement_decayed,
        trainer_features.trainer_users_engaged,
        trainer_features.trainer_completion_rate_smoothed,
        trainer_features.trainer_like_rate_smoothed,
        own_history.own_last_booked_week
    from trainer_features
    inner join target_weeks
        on trainer_features.target_week = target_weeks.target_week
    inner join trainers
        on trainer_features.trainer_id = trainers.trainer_id
    inner join market_list
        on trainer_features.trainer_id = market_list.trainer_id
    inner join trainer_markets
        on trainer_features.trainer_id = trainer_markets.trainer_id
    left join market_history
        on
            trainer_markets.market_key = market_history.market_key
            and trainer_features.target_week = market_history.target_week
    left join own_history
        on
            trainer_features.trainer_id = own_history.trainer_id
            and trainer_features.target_week = own_history.target_week
),

smoothed as (
    select
        *,
        {{ beta_smoothed('own_accepted', 'own_bookings',
            alpha=var('price_acceptance_prior_strength') ~ ' * coalesce(market_acceptance_rate, 0.5)',
            beta=var('price_acceptance_prior_strength') ~ ' * (1 - coalesce(market_acceptance_rate, 0.5))') }}
            as own_acceptance_rate_smoothed
    from assembled
)

select * from smoothed
