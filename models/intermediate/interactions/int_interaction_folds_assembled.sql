{#- The three folds every interactions model runs on, as (fold, role) rows:
    - `validation`: history = the inner `fit` rows, target = the inner `validation` rows. Models
      are chosen and the re-ranker is trained here;
    - `test`: history = all train rows, target = the test rows. The reported metrics;
    - `serve`: history = every interaction, no target. The lists people are served.
    `recency_rank` counts each user's history backwards in split order (0 = their latest
    interaction): the profile decay weighs interaction r by exp(-r / tau). `is_repeat` marks a
    target row whose item is already in the user's history of the fold (a re-consumption). -#}

with

split as (
    select * from {{ ref('int_interactions_split') }}
),

tagged as (
    select
        'validation' as fold,
        case when inner_split = 'fit' then 'history' else 'target' end as role,
        *
    from split
    where split = 'train'
    union all
    select
        'test' as fold,
        case when split = 'train' then 'history' else 'target' end as role,
        *
    from split
    union all
    select
        'serve' as fold,
        'history' as role,
        *
    from split
),

final as (
    select
        fold,
        role,
        user_id,
        item_id,
        rating,
        weight,
        case
            when role = 'history'
                then row_number() over (partition by fold, role, user_id order by user_seq desc) - 1
        end as recency_rank,
        (
            role = 'target'
            and max(case when role = 'history' then 1 else 0 end) over (partition by fold, user_id, item_id) = 1
        ) as is_repeat,
        event_at,
        log_row
    from tagged
)

select * from final
