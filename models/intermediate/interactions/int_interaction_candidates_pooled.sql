{#- It reads a Python model's output: on where that model runs (python_stages_enabled). -#}
{{ config(enabled=python_stages_enabled('interactions') and var('interactions_adapter', none) is not none) }}

{#- The re-ranker's candidates, one row per (fold, user, item) in the union of the EASE, item-kNN
    and ALS top `candidates_per_user` and the recency-popularity top K, with each model's score
    and rank (null where the model did not list the item) and the EASE score as a share of the
    user's best. A table of its own, so the feature joins after it start from a settled, narrow
    input (at a million interactions this is tens of millions of rows). -#}

with

candidates as (
    select * from {{ ref('ml_interaction_candidates') }}
    where model in ('ease', 'itemknn', 'als', 'recency_popularity')
),

pooled as (
    select
        fold,
        user_id,
        item_id,
        max(case when model = 'ease' then score end) as ease_score,
        min(case when model = 'ease' then rank end) as ease_rank,
        max(case when model = 'itemknn' then score end) as itemknn_score,
        min(case when model = 'itemknn' then rank end) as itemknn_rank,
        max(case when model = 'als' then score end) as als_score,
        min(case when model = 'als' then rank end) as als_rank,
        min(case when model = 'recency_popularity' then rank end) as recency_popularity_rank
    from candidates
    group by fold, user_id, item_id
),

final as (
    select
        *,
        round(
            {{ safe_divide('coalesce(ease_score, 0)', 'max(ease_score) over (partition by fold, user_id)') }}, 9
        ) as ease_score_share
    from pooled
)

select * from final
