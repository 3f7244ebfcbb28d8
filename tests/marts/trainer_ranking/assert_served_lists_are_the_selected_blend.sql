-- What is served is what was chosen: exactly one selected blend in ml_serving_selection, and the
-- validation lists read back from int_trainer_scores_blended (the `served` row of
-- fct_serving_evaluation) score exactly what the selected blend scored when it was chosen.
-- Where an exposure cap (var `max_trainer_list_share`) reshuffled a validation list on purpose,
-- the lists differ by design and assert_exposure_cap_holds checks them instead.
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

capped as (
    select count(*) as reshuffled
    from {{ ref('int_trainer_scores_blended') }}
    where split = 'validation' and served_rank != base_rank and least(served_rank, base_rank) <= {{ var('k') }}
),

problems as (
    select concat('selected rows: ', cast(count(*) as {{ dbt.type_string() }})) as problem
    from selected
    having count(*) != 1

    union all

    select 'served lists differ from the selected blend' as problem
    from served
    cross join selected
    cross join capped
    where
        capped.reshuffled = 0
        and (
            abs(served.ndcg_at_k - selected.ndcg_at_k) > 1e-12
            or abs(served.precision_at_k - selected.precision_at_k) > 1e-12
            or served.users_evaluated != selected.users_evaluated
            or served.users_listed != selected.users_listed
            or abs(served.catalog_coverage - selected.catalog_coverage) > 1e-12
            or served.rule_weight != selected.rule_weight
        )
)

select * from problems
