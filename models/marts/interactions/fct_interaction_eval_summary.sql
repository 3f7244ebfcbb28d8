{#- It reads a Python model's output: on where that model runs (python_stages_enabled). -#}
{{ config(enabled=python_stages_enabled('interactions') and var('interactions_adapter', none) is not none) }}

{#- One row per (fold, model, K) for every K of `interactions_ks`: mean per-user metrics over users
    with at least one first-time target item, and what the top K lists do to the catalogue:
    coverage (distinct items in anyone's top K / items in the fold's history), Gini of exposure
    (over every catalogue item, those never shown included: 0 = every item shown equally, 1 = one
    item gets it all), mean popularity of the recommended items (their interactions in the fold's
    history: the popularity bias) and novelty (mean self-information -log2(users of the item /
    users)). Every row names the split mode, K and model_id. The `test` fold is the reported
    number; the `validation` fold at K = `interactions_k` is what models are chosen on. -#}

with

per_user as (
    select * from {{ ref('fct_interaction_eval_per_user') }}
),

lists as (
    select * from {{ ref('int_interaction_lists_unioned') }}
    where fold != 'serve'
),

items as (
    select * from {{ ref('int_interaction_items_scored') }}
),

ks as (
    {%- for k in checked_var('interactions_ks') %}
        select {{ k }} as k
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

catalogue as (
    select
        fold,
        count(*) as catalogue_items
    from items
    group by fold
),

lists_at_k as (
    select
        lists.fold,
        lists.model_id,
        lists.item_id,
        lists.fit_seconds,
        ks.k
    from lists
    inner join ks
        on lists.rank <= ks.k
),

list_stats as (
    select
        lists_at_k.fold,
        lists_at_k.model_id,
        lists_at_k.k,
        count(distinct lists_at_k.item_id) as distinct_items,
        {{ stable_avg('items.self_information') }} as novelty,
        avg(items.interactions) as mean_item_popularity,
        max(lists_at_k.fit_seconds) as fit_seconds
    from lists_at_k
    inner join items
        on lists_at_k.fold = items.fold and lists_at_k.item_id = items.item_id
    group by lists_at_k.fold, lists_at_k.model_id, lists_at_k.k
),

shown as (
    select
        fold,
        model_id,
        k,
        item_id,
        count(*) as times_shown
    from lists_at_k
    group by fold, model_id, k, item_id
),

exposure as (
    select
        list_stats.fold,
        list_stats.model_id,
        list_stats.k,
        coalesce(shown.times_shown, 0) as times_shown
    from list_stats
    inner join items
        on list_stats.fold = items.fold
    left join shown
        on
            list_stats.fold = shown.fold
            and list_stats.model_id = shown.model_id
            and list_stats.k = shown.k
            and items.item_id = shown.item_id
),

exposure_ordered as (
    select
        fold,
        model_id,
        k,
        times_shown,
        row_number() over (partition by fold, model_id, k order by times_shown) as position,
        count(*) over (partition by fold, model_id, k) as n_items
    from exposure
),

gini as (
    select
        fold,
        model_id,
        k,
        {{ gini_coefficient('times_shown', 'position', 'n_items') }} as gini_exposure
    from exposure_ordered
    group by fold, model_id, k
),

metrics as (
    select
        fold,
        model,
        model_id,
        split_mode,
        k,
        count(*) as users_evaluated,
        {{ stable_avg('precision_at_k') }} as precision_at_k,
        {{ stable_avg('recall_at_k') }} as recall_at_k,
        {{ stable_avg('ndcg_at_k') }} as ndcg_at_k,
        {{ stable_avg('map_at_k') }} as map_at_k,
        {{ stable_avg('mrr_at_k') }} as mrr_at_k,
        {{ stable_avg('hit_rate_at_k') }} as hit_rate_at_k
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
        round(metrics.mrr_at_k, 9) as mrr_at_k,
        round(metrics.hit_rate_at_k, 9) as hit_rate_at_k,
        round(list_stats.distinct_items / catalogue.catalogue_items, 9) as catalog_coverage,
        round(gini.gini_exposure, 9) as gini_exposure,
        round(list_stats.mean_item_popularity, 9) as mean_item_popularity,
        round(list_stats.novelty, 9) as novelty,
        list_stats.fit_seconds,
        case when metrics.model in ('popularity', 'bayes_average', 'recency_popularity') then 'baseline' else 'cf' end
            as model_family
    from metrics
    inner join list_stats
        on metrics.fold = list_stats.fold and metrics.model_id = list_stats.model_id and metrics.k = list_stats.k
    inner join gini
        on metrics.fold = gini.fold and metrics.model_id = gini.model_id and metrics.k = gini.k
    inner join catalogue
        on metrics.fold = catalogue.fold
)

select * from final
