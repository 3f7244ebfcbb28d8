{#- It reads a Python model's output: on where that model runs (python_stages_enabled). -#}
{{ config(
    enabled=python_stages_enabled('interactions') and var('interactions_adapter', none) is not none,
    materialized='view'
) }}

{#- Every model's ranked lists in one place, for every fold: the first stage's candidates
    (baselines, item kNN, EASE, ALS, BPR) and the two-stage re-ranker's. Evaluation and serving
    read this. A view: its readers filter it (top K, one fold), and at a million interactions a
    copy of both tables cost half a minute. -#}

with

first_stage as (
    select * from {{ ref('ml_interaction_candidates') }}
),

second_stage as (
    select * from {{ ref('ml_interaction_two_stage') }}
),

final as (
    select
        fold,
        model,
        model_id,
        user_id,
        item_id,
        score,
        rank,
        fit_seconds
    from first_stage
    union all
    select
        fold,
        model,
        model_id,
        user_id,
        item_id,
        score,
        rank,
        fit_seconds
    from second_stage
)

select * from final
