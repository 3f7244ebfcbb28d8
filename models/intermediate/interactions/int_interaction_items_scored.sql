{#- Per (fold, item), from the fold's history only: interaction count, distinct users, mean rating,
    the Bayesian-average rating  v / (v + m) * R + m / (v + m) * C  (v = ratings of the item, R
    their mean, C the fold's mean rating, m = var `bayes_m`), recency-decayed popularity
    sum(weight * 0.5 ^ (age_days / popularity_half_life_days)) with age counted back from the
    fold's last history event, and first / last interaction times. -#}

with

folds as (
    select * from {{ ref('int_interaction_folds_assembled') }}
    where role = 'history'
),

fold_ends as (
    select
        fold,
        max(event_at) as history_end_at,
        {{ stable_avg('rating') }} as fold_mean_rating,
        count(distinct user_id) as fold_users
    from folds
    group by fold
),

per_item as (
    select
        folds.fold,
        folds.item_id,
        count(*) as interactions,
        count(distinct folds.user_id) as users,
        count(folds.rating) as ratings,
        {{ stable_avg('folds.rating') }} as mean_rating,
        {{ stable_sum(
            'folds.weight * power(0.5, ' ~ days_between('folds.event_at', 'fold_ends.history_end_at')
            ~ ' / ' ~ var('popularity_half_life_days') ~ ')'
        ) }} as recency_popularity,
        min(folds.event_at) as first_interaction_at,
        max(folds.event_at) as last_interaction_at
    from folds
    inner join fold_ends
        on folds.fold = fold_ends.fold
    group by folds.fold, folds.item_id
),

final as (
    select
        per_item.fold,
        per_item.item_id,
        per_item.interactions,
        per_item.users,
        per_item.ratings,
        round(per_item.mean_rating, 9) as mean_rating,
        round(
            case
                when fold_ends.fold_mean_rating is null then null
                else
                    per_item.ratings / (per_item.ratings + {{ var('bayes_m') }}) * coalesce(per_item.mean_rating, 0)
                    + {{ var('bayes_m') }} / (per_item.ratings + {{ var('bayes_m') }}) * fold_ends.fold_mean_rating
            end,
            9
        ) as bayes_average_rating,
        per_item.recency_popularity,
        -ln(per_item.users / fold_ends.fold_users) / ln(2) as self_information,
        {{ days_between('per_item.first_interaction_at', 'fold_ends.history_end_at') }} as age_days,
        per_item.first_interaction_at,
        per_item.last_interaction_at
    from per_item
    inner join fold_ends
        on per_item.fold = fold_ends.fold
)

select * from final
