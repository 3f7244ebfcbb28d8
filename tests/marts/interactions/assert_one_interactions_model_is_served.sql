{{ config(
    enabled=python_stages_enabled('interactions') and var('interactions_adapter', none) is not none,
    tags=['interactions']
) }}
-- Exactly one model is served, it is level with the best on validation, and it is the one whose
-- lists fct_interaction_recommendations serves.
with

choice as (
    select * from {{ ref('fct_interaction_model_choice') }}
),

served as (
    select distinct model_id from {{ ref('fct_interaction_recommendations') }}
),

problems as (
    select 'served rows in the choice: ' || cast(count(*) as {{ dbt.type_string() }}) as problem
    from choice
    where is_served
    having count(*) <> 1
    union all
    select 'served but behind the best: ' || model_id as problem
    from choice
    where is_served and not is_level_with_best
    union all
    select 'served lists of a model the choice did not serve: ' || served.model_id as problem
    from served
    left join choice
        on served.model_id = choice.model_id and choice.is_served
    where choice.model_id is null
)

select * from problems
