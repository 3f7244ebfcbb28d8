{{ config(enabled=var('interactions_adapter', none) is not none, tags=['interactions']) }}
-- No time leak across the split: per_user / last1 mode, no user's train interaction is later than
-- their first test interaction (and the same inside train: fit before validation); global mode,
-- no train interaction at or after the cut.
with

split as (
    select * from {{ ref('int_interactions_split') }}
),

{% if var('interactions_split') == 'global' -%}
    leaks as (
        select *
        from split
        where split = 'train' and event_at >= cast('{{ var("interactions_cut_at") }}' as timestamp)
    )
{%- else -%}
    per_user as (
        select
            user_id,
            max(case when split = 'train' then event_at end) as last_train_at,
            min(case when split = 'test' then event_at end) as first_test_at,
            max(case when inner_split = 'fit' then event_at end) as last_fit_at,
            min(case when inner_split = 'validation' then event_at end) as first_validation_at
        from split
        group by user_id
    ),

    leaks as (
        select *
        from per_user
        where last_train_at > first_test_at or last_fit_at > first_validation_at
    )
{%- endif %}

select * from leaks
