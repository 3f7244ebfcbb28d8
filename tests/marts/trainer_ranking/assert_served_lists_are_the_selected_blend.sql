-- What is served is what was chosen: exactly one selected blend in ml_serving_selection, and the
-- validation lists read back from int_trainer_scores_blended (the `served` row of
-- fct_serving_evaluation) score exactly what the selected blend scored when it was chosen.
-- With an exposure cap (var `max_trainer_list_share`) the served lists are the capped ones: then
-- no trainer may fill more than ceil(cap x users) of them instead. Off on Spark (no Python models).
{{ config(enabled=python_stages_enabled()) }}

with

selected as (
    select * from {{ ref('ml_serving_selection') }}
    where is_selected
),

served as (
    select * from {{ ref('fct_serving_evaluation') }}
    where stage = 'served'
),

problems as (
    select 'selected rows: ' || cast(count(*) as varchar) as problem
    from selected
    having count(*) != 1

    union all

    {% if var('max_trainer_list_share') is none -%}
        select 'served lists differ from the selected blend' as problem
        from served
        cross join selected
        where
            abs(served.ndcg_at_k - selected.ndcg_at_k) > 1e-12
            or abs(served.precision_at_k - selected.precision_at_k) > 1e-12
            or served.users_evaluated != selected.users_evaluated
            or served.users_listed != selected.users_listed
            or abs(served.catalog_coverage - selected.catalog_coverage) > 1e-12
            or served.rule_weight != selected.rule_weight
    {%- else -%}
        select 'trainer ' || blended.trainer_id || ' fills ' || cast(count(*) as varchar) || ' lists' as problem
        from {{ ref('int_trainer_scores_blended') }} as blended
        inner join (
            select
                split,
                count(distinct user_id) as users
            from {{ ref('int_trainer_scores_blended') }}
            group by split
        ) as split_users
            on blended.split = split_users.split
        where blended.served_rank <= {{ var('k') }}
        group by blended.split, blended.trainer_id, split_users.users
        having count(*) > ceil({{ var('max_trainer_list_share') }} * split_users.users)
    {%- endif %}
)

select * from problems
