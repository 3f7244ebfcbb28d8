{#- Per (fold, user): history size and span, and the number of target items the user's list is
    judged against (`int_interaction_targets`; 0 in the serve fold). -#}

with

folds as (
    select * from {{ ref('int_interaction_folds_assembled') }}
),

targets as (
    select * from {{ ref('int_interaction_targets') }}
),

history as (
    select
        fold,
        user_id,
        count(distinct item_id) as history_items,
        min(event_at) as first_history_at,
        max(event_at) as last_history_at
    from folds
    where role = 'history'
    group by fold, user_id
),

target_counts as (
    select
        fold,
        user_id,
        count(*) as target_items
    from targets
    group by fold, user_id
),

final as (
    select
        coalesce(history.fold, target_counts.fold) as fold,
        coalesce(history.user_id, target_counts.user_id) as user_id,
        coalesce(history.history_items, 0) as history_items,
        coalesce(target_counts.target_items, 0) as target_items,
        history.first_history_at,
        history.last_history_at
    from history
    full outer join target_counts
        on history.fold = target_counts.fold and history.user_id = target_counts.user_id
)

select * from final
