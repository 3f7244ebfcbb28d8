{#- Off on the `spark` target: it reads a Python model's output (python_stages_enabled). -#}
{{ config(enabled=python_stages_enabled() and var('interactions_adapter', none) is not none) }}

{#- One row per (fold, model): mean per-user metrics over users with at least one target item,
    catalogue coverage (distinct items in anyone's top K / items in the fold's history) and
    novelty (mean self-information -log2(users of the item / users) of the recommended items).
    Every row names the split mode, K and model_id. The `test` fold is the reported number; the
    `validation` fold is what models are chosen on. -#}

with

per_user as (
    select * from {{ ref('fct_interaction_eval_per_user') }}
),

lists as (
    select * from {{ ref('int_interaction_lists_unioned') }}
    where rank <= {{ var('interactions_k') }}
),

items as (
    select * from {{ ref('int_interaction_items_scored') }}
),

catalogue as (
    select
        fold,
        count(*) as catalogue_items
    from items
    group by fold
),

list_stats as (
    select
        lists.fold,
        lists.model_id,
        count(distinct lists.item_id) as distinct_items,
        avg(items.self_information) as novelty,
        max(lists.fit_seconds) as fit_seconds
    from lists
    inner join items
        on lists.fold = items.fold and lists.item_id = items.item_id
    group by lists.fold, lists.model_id
),

metrics as (
    select
        fold,
        model,
        model_id,
        split_mode,
        k,
        count(*) as users_evaluated,
        avg(precision_at_k) as precision_at_k,
        avg(recall_at_k) as recall_at_k,
        avg(ndcg_at_k) as ndcg_at_k,
        avg(map_at_k) as map_at_k,
        avg(hit_rate_at_k) as hit_rate_at_k
    from per_user
    group by fold, model, model_id, split_mode, k
),

final as (
    select
        metrics.fold,
        metrics.model,
        metrics.model_id,
        metrics.split_mode,
        metrics.k,
        metrics.users_evaluated,
        round(metrics.precision_at_k, 9) as precision_at_k,
        round(metrics.recall_at_k, 9) as recall_at_k,
        round(metrics.ndcg_at_k, 9) as ndcg_at_k,
        round(metrics.map_at_k, 9) as map_at_k,
        round(metrics.hit_rate_at_k, 9) as hit_rate_at_k,
        round(list_stats.distinct_items / catalogue.catalogue_items, 9) as catalog_coverage,
        round(list_stats.novelty, 9) as novelty,
        list_stats.fit_seconds,
        case when metrics.model in ('popularity', 'bayes_average', 'recency_popularity') then 'baseline' else 'cf' end
            as model_family
    from metrics
    inner join list_stats
        on metrics.fold = list_stats.fold and metrics.model_id = list_stats.model_id
    inner join catalogue
        on metrics.fold = catalogue.fold
)

select * from final
