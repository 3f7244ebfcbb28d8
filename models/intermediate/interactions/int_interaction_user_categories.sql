{#- Per (fold, user, category): the share of the user's history items in that category, the
    category-affinity feature of the re-ranker. -#}

with

folds as (
    select * from {{ ref('int_interaction_folds_assembled') }}
    where role = 'history'
),

categories as (
    select * from {{ ref('stg_interactions__item_categories') }}
),

history_items as (
    select distinct
        fold,
        user_id,
        item_id
    from folds
),

user_totals as (
    select
        fold,
        user_id,
        count(*) as history_items
    from history_items
    group by fold, user_id
),

final as (
    select
        history_items.fold,
        history_items.user_id,
        categories.category,
        round(count(*) / max(user_totals.history_items), 9) as category_share
    from history_items
    inner join categories
        on history_items.item_id = categories.item_id
    inner join user_totals
        on history_items.fold = user_totals.fold and history_items.user_id = user_totals.user_id
    group by history_items.fold, history_items.user_id, categories.category
)

select * from final
