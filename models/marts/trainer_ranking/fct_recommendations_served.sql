{{ config(
    materialized='incremental',
    unique_key=['serve_week', 'mode_used'],
    incremental_strategy='insert_overwrite' if target.type == 'spark' else 'delete+insert',
    partition_by=['serve_week', 'mode_used'] if target.type == 'spark' else none,
) }}

{#- Every list ever served, appended run by run: each `dbt build` adds the serve week's lists
    (replacing an earlier run's lists for the same week and mode), so serving weeks in turn - or
    the same week under several modes - builds the history `fct_recommendation_outcomes` reads.
    `dbt build --full-refresh` starts the history again. -#}

with

served as (
    select * from {{ ref('fct_trainer_recommendations') }}
),

final as (
    select
        serve_week,
        mode_used,
        user_id,
        rank,
        trainer_id,
        candidate_source,
        model_id,
        score,
        is_exploration,
        {{ utc_now() }} as recorded_at
    from served
)

select * from final
