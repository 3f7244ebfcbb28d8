{#- It reads a Python model's output: on where that model runs (python_stages_enabled). -#}
{{ config(enabled=python_stages_enabled('interactions') and var('interactions_adapter', none) is not none) }}

{#- The second stage's input: per (fold, user, item) in the union of the EASE, item-kNN and ALS
    top-N and the recency-popularity top K (a model the run skipped adds nothing), features from
    the first stage and from SQL (item popularity, Bayesian average, age, user activity, category
    affinity) and the label (the item is in the user's targets, `int_interaction_targets`; always
    0 in the serve fold). A rank a model did not give is N + 1. -#}

with

pooled as (
    select * from {{ ref('int_interaction_candidates_pooled') }}
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

item_category_lists as (
    select
        item_id,
        {{ sorted_list('category') }} as categories
    from item_categories
    group by item_id
),

user_category_maps as (
    select
        fold,
        user_id,
        {{ map_of('category', 'category_share') }} as shares
    from user_categories
    group by fold, user_id
),

final as (
    select
        pooled.fold,
        pooled.user_id,
        pooled.item_id,
        coalesce(pooled.ease_score, 0) as ease_score,
        pooled.ease_score_share,
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
        {#- the sum, over the item's categories, of the user's share in each: looked up per
            candidate through a per-user map, because joining every (candidate, category) and
            summing back ran out of memory at a million interactions -#}
        round(
            {{ sum_of_lookups('item_category_lists.categories', 'user_category_maps.shares') }}, 9
        ) as category_affinity,
        case when targets.item_id is null then 0 else 1 end as label
    from pooled
    inner join items
        on pooled.fold = items.fold and pooled.item_id = items.item_id
    inner join users
        on pooled.fold = users.fold and pooled.user_id = users.user_id
    inner join fold_ends
        on pooled.fold = fold_ends.fold
    left join item_category_lists
        on pooled.item_id = item_category_lists.item_id
    left join user_category_maps
        on pooled.fold = user_category_maps.fold and pooled.user_id = user_category_maps.user_id
    left join targets
        on
            pooled.fold = targets.fold
            and pooled.user_id = targets.user_id
            and pooled.item_id = targets.item_id
)

select * from final
