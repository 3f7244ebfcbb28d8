{#- What each fold's lists are judged against: the distinct (user, item) pairs of the fold's target
    rows. By default only first-time interactions count (an item already in the user's history
    cannot be recommended, so a repeat could never be hit); with `interactions_reconsumption` on
    (replays, re-purchases), seen items are recommended and repeats count too. -#}

with

folds as (
    select * from {{ ref('int_interaction_folds_assembled') }}
),

final as (
    select distinct
        fold,
        user_id,
        item_id
    from folds
    where
        role = 'target'
        {%- if not var('interactions_reconsumption') %}
            and not is_repeat
        {%- endif %}
)

select * from final
