{#- It reads a Python model's output: on where that model runs (python_stages_enabled). -#}
{{ config(enabled=python_stages_enabled('interactions') and var('interactions_adapter', none) is not none) }}

{#- What each user is served next: the top `interactions_k` unseen items from their whole history
    (the serve fold), by the model `fct_interaction_model_choice` serves: in the family the
    `interactions_mode` var picks (`baseline`, `cf`, or `auto` = cf when a collaborative model was
    built), the best on the validation fold. `mode_used` says which family served. -#}

with

choice as (
    select * from {{ ref('fct_interaction_model_choice') }}
    where is_served
),

lists as (
    select * from {{ ref('int_interaction_lists_unioned') }}
    where fold = 'serve' and rank <= {{ var('interactions_k') }}
),

items as (
    select * from {{ ref('stg_interactions__items') }}
),

final as (
    select
        lists.user_id,
        lists.rank,
        lists.item_id,
        items.title,
        lists.score,
        choice.model,
        lists.model_id,
        choice.model_family as mode_used,
        choice.validation_ndcg_at_k
    from lists
    inner join choice
        on lists.model_id = choice.model_id
    left join items
        on lists.item_id = items.item_id
)

select * from final
