{#- It reads a Python model's output: on where that model runs (python_stages_enabled). -#}
{{ config(enabled=python_stages_enabled('interactions') and var('interactions_adapter', none) is not none) }}

{#- What each user is served next: the top `interactions_k` unseen items from their whole history
    (the serve fold), by the model the `interactions_mode` var picks on the validation fold:
    `baseline` = the best baseline, `cf` = the best collaborative model (item kNN, EASE or the
    two-stage re-ranker), `auto` (default) = the best collaborative model when one was built,
    else the best baseline. `mode_used` says which family served. -#}

with

summary as (
    select * from {{ ref('fct_interaction_eval_summary') }}
    where fold = 'validation' and k = {{ var('interactions_k') }}
),

lists as (
    select * from {{ ref('int_interaction_lists_unioned') }}
    where fold = 'serve' and rank <= {{ var('interactions_k') }}
),

items as (
    select * from {{ ref('stg_interactions__items') }}
),

best_per_family as (
    select
        model_family,
        model,
        model_id,
        ndcg_at_k,
        row_number() over (partition by model_family order by ndcg_at_k desc, model_id asc) as family_rank
    from summary
),

families_built as (
    select max(case when model_family = 'cf' then 1 else 0 end) as has_cf
    from best_per_family
),

served_family as (
    select
        has_cf,
        {% if var('interactions_mode') == 'auto' -%}
            case when has_cf = 1 then 'cf' else 'baseline' end
        {%- else -%}
            '{{ var("interactions_mode") }}'
        {%- endif %} as model_family
    from families_built
),

chosen as (
    select best_per_family.*
    from best_per_family
    inner join served_family
        on best_per_family.model_family = served_family.model_family
    where best_per_family.family_rank = 1
),

final as (
    select
        lists.user_id,
        lists.rank,
        lists.item_id,
        items.title,
        lists.score,
        chosen.model,
        lists.model_id,
        chosen.model_family as mode_used,
        chosen.ndcg_at_k as validation_ndcg_at_k
    from lists
    inner join chosen
        on lists.model_id = chosen.model_id
    left join items
        on lists.item_id = items.item_id
)

select * from final
