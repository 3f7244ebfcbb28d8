{#- What each fold's lists are judged against: the distinct (user, item) pairs of the fold's target
    rows. By default only first-time interactions count (an item already in the user's history
    cannot be recommended, so a repeat could never be hit); with `interactions_reconsumption` on
    (replays, re-purchases), seen items are recommended and repeats count too.
    The validation fold keeps a seeded sample of at most `tuning_users` users with targets (all of
    them when there are fewer): settings, the model choice and the re-ranker's training are as sure
    on 10,000 users as on a million, and the validation lists are built for these users only. -#}

with

folds as (
    select * from {{ ref('int_interaction_folds_assembled') }}
),

targets as (
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
),

validation_users as (
    select distinct user_id
    from targets
    where fold = 'validation'
),

validation_sample as (
    select user_id
    from (
        select
            user_id,
            row_number() over (order by {{ stable_hash_unit("user_id || '|validation-sample'") }}, user_id) as draw
        from validation_users
    ) as drawn
    where draw <= {{ var('tuning_users') }}
),

final as (
    select
        targets.fold,
        targets.user_id,
        targets.item_id
    from targets
    left join validation_sample
        on targets.user_id = validation_sample.user_id
    where targets.fold != 'validation' or validation_sample.user_id is not null
)

select * from final
