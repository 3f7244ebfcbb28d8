{#- What each fold's lists are judged against: the distinct (user, item) pairs of the fold's target
    rows. By default only first-time interactions count (an item already in the user's history
    cannot be recommended, so a repeat could never be hit); with `interactions_reconsumption` on
    (replays, re-purchases), seen items are recommended and repeats count too.
    The validation fold keeps a seeded sample of at most `tuning_users` users with targets, the
    test fold one of at most `evaluation_users` (all of them when there are fewer): settings, the
    model choice and the re-ranker's training are as sure on 10,000 users as on a million, a
    test metric in [0, 1] over 50,000 users has a standard error of at most 0.0022, and the first
    stage lists these users only. The draw hashes where the user first appears in the log, not
    their id, so relabelled ids draw the same users. The serve fold is never sampled: every user
    is served. -#}

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

first_rows as (
    select
        user_id,
        min(log_row) as first_log_row
    from folds
    where fold = 'serve'
    group by user_id
),

users_with_targets as (
    select distinct
        targets.fold,
        targets.user_id,
        first_rows.first_log_row
    from targets
    inner join first_rows
        on targets.user_id = first_rows.user_id
),

sampled_users as (
    select
        fold,
        user_id
    from (
        select
            fold,
            user_id,
            row_number() over (
                partition by fold
                order by
                    {{ stable_hash_unit(
                        "cast(first_log_row as " ~ dbt.type_string() ~ ") || '|' || fold || '-sample'"
                    ) }},
                    first_log_row
            ) as draw
        from users_with_targets
    ) as drawn
    where
        (fold = 'validation' and draw <= {{ var('tuning_users') }})
        or (fold = 'test' and draw <= {{ var('evaluation_users') }})
        or fold not in ('validation', 'test')
),

final as (
    select
        targets.fold,
        targets.user_id,
        targets.item_id
    from targets
    inner join sampled_users
        on
            targets.fold = sampled_users.fold
            and targets.user_id = sampled_users.user_id
)

select * from final
