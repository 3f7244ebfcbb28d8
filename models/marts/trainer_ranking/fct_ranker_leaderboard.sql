{#- It reads the registry the Python rankers write: on where they run (python_stages_enabled). -#}
{{ config(enabled=python_stages_enabled()) }}

with

registry as (
    select * from {{ ref('ml_ranker_registry') }}
),

final as (
    select
        algorithm,
        model_id,
        is_selected,
        ndcg_at_k,
        precision_at_k,
        recall_at_k,
        map_at_k,
        hit_rate_at_k,
        auc,
        catalog_coverage,
        gini_exposure,
        top_item_share as top_trainer_share,
        users_evaluated,
        training_rows,
        fit_seconds,
        k,
        validation_week
    from registry
    where stage = 'candidate'
)

select * from final
order by ndcg_at_k desc, algorithm asc
