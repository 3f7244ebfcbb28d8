{#- Off on the `spark` target: it reads a Python model's output (python_stages_enabled). -#}
{{ config(enabled=python_stages_enabled() and var('interactions_adapter', none) is not none) }}

{#- The second stage's input: per (fold, user, item) in the union of the EASE, item-kNN and ALS
    top-N and the recency-popularity top K (a model the run skipped adds nothing), features from
    the first stage and from SQL (item popularity, Bayesian average, age, user activity, category
    affinity) and the label (the item is in the user's targets, `int_interaction_targets`; always
    0 in the serve fold). A rank a model did not give is N + 1. -#}

with

candidates as (
    select * from {{ ref('ml_interaction_candidates') }}
),

items as (
    select * from {{ ref('int_interaction_items_scored') }}
),

users as (
    select * from {{ ref('int_interaction_users_profiled') }}
),

user_categories as (
    select * from {{ ref('int_interaction_user_categories') }}
),

item_categories as (
    select * from {{ ref('stg_interactions__item_categories') }}
),

folds as (
    select * from {{ ref('int_interaction_folds_assembled') }}
),

fold_ends as (
    select
        fold,
        max(event_at) as history_end_at
    from folds
    where role = 'history'
    group by fold
),

targets as (
    select * from {{ ref('int_interaction_targets') }}
),

pooled as (
    select
        fold,
        user_id,
        item_id,
        max(case when model = 'ease' then score end) as ease_score,
        min(case when model = 'ease' then rank end) as ease_rank,
        max(case when model = 'itemknn' then score end) as itemknn_score,
        min(case when model = 'itemknn' then rank end) as itemknn_rank,
        max(case when model = 'als' then score end) as als_score,
        min(case when model = 'als' then rank end) as als_rank,
        min(case when model = 'recency_popularity' then rank end) as recency_popularity_rank
    from candidates
    where model in ('ease', 'itemknn', 'als', 'recency_popularity')
    group by fold, user_id, item_id
),

user_best as (
    select
        fold,
        user_id,
        max(ease_score) as best_ease_score
    from pooled
    group by fold, user_id
),

affinity as (
    select
        pooled.fold,
        pooled.user_id,
        pooled.item_id,
        {{ stable_sum('user_categories.category_share') }} as category_affinity
    from pooled
    inner join item_categories
        on pooled.item_id = item_categories.item_id
    inner join user_categories
        on
            pooled.fold = user_categories.fold
            and pooled.user_id = user_categories.user_id
            and item_categories.category = user_categories.category
    group by pooled.fold, pooled.user_id, pooled.item_id
),

final as (
    select
        pooled.fold,
        pooled.user_id,
        pooled.item_id,
        coalesce(pooled.ease_score, 0) as ease_score,
        round({{ safe_divide('coalesce(pooled.ease_score, 0)', 'user_best.best_ease_score') }}, 9)
            as ease_score_share,
        coalesce(pooled.ease_rank, {{ var('candidates_per_user') }} + 1) as ease_rank,
        coalesce(pooled.itemknn_score, 0) as itemknn_score,
        coalesce(pooled.itemknn_rank, {{ var('candidates_per_user') }} + 1) as itemknn_rank,
        coalesce(pooled.als_score, 0) as als_score,
        coalesce(pooled.als_rank, {{ var('candidates_per_user') }} + 1) as als_rank,
        coalesce(pooled.recency_popularity_rank, {{ var('candidates_per_user') }} + 1) as recency_popularity_rank,
        items.interactions as item_interactions,
        items.recency_popularity as item_recency_popularity,
        items.bayes_average_rating as item_bayes_average_rating,
        items.age_days as item_age_days,
        {{ days_between('items.last_interaction_at', 'fold_ends.history_end_at') }} as item_days_since_last,
        users.history_items as user_history_items,
        {{ days_between('users.last_history_at', 'fold_ends.history_end_at') }} as user_days_since_last,
        coalesce(affinity.category_affinity, 0) as category_affinity,
        case when targets.item_id is null then 0 else 1 end as label
    from pooled
    inner join items
        on pooled.fold = items.fold and pooled.item_id = items.item_id
    inner join users
        on pooled.fold = users.fold and pooled.user_id = users.user_id
    inner join fold_ends
        on pooled.fold = fold_ends.fold
    inner join user_best
        on pooled.fold = user_best.fold and pooled.user_id = user_best.user_id
    left join affinity
        on
            pooled.fold = affinity.fold
            and pooled.user_id = affinity.user_id
            and pooled.item_id = affinity.item_id
    left join targets
        on
            pooled.fold = targets.fold
            and pooled.user_id = targets.user_id
            and pooled.item_id = targets.item_id
)

select * from final
