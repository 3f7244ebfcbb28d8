{#- Per (fold, user): history size and span, and the number of target interactions (distinct
    items) the user's list is judged against (0 in the serve fold). -#}

with

folds as (
    select * from {{ ref('int_interaction_folds_assembled') }}
),

final as (
    select
        fold,
        user_id,
        count(distinct case when role = 'history' then item_id end) as history_items,
        count(distinct case when role = 'target' then item_id end) as target_items,
        min(case when role = 'history' then event_at end) as first_history_at,
        max(case when role = 'history' then event_at end) as last_history_at
    from folds
    group by fold, user_id
)

select * from final
