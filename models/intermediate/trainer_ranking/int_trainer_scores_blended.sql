{#- The base stage's score of every validation- and serve-week candidate under the serving choice
    of `ml_serving_selection` (var `recommendation_mode`; default `auto`: the rule weight whose
    lists as served have the best validation NDCG@K):
    final_score = rule_weight * rule_score_scaled + model_weight * model_score_scaled, a missing
    score as 0, and `base_rank` orders it within the user (ties: trainer id). The same formula,
    in the same order of operations, as `recwarehouse.trainer_ranking.serving.final_scores`, so
    the lists evaluated there are the lists served here. On a target without Python models
    (Spark) the rule score serves alone. -#}

{%- if not python_stages_enabled() and execute and var('recommendation_mode') != 'rule_based' %}
    {{ log("recommendation_mode=" ~ var('recommendation_mode') ~ ": target " ~ target.name
        ~ " runs no Python models (no trained ranker); serving rule_based", info=true) }}
{%- endif %}

with

scaled as (
    select * from {{ ref('int_trainer_scores_scaled') }}
),

selection as (
    {% if python_stages_enabled() -%}
        select
            rule_weight,
            model_weight,
            mode as mode_used
        from {{ ref('ml_serving_selection') }}
        where is_selected
    {%- else -%}
        select
            cast(1 as double) as rule_weight,
            cast(0 as double) as model_weight,
            'rule_based' as mode_used
    {%- endif %}
),

blended as (
    select
        scaled.*,
        selection.mode_used,
        selection.rule_weight * coalesce(scaled.rule_score_scaled, 0)
        + selection.model_weight * coalesce(scaled.model_score_scaled, 0) as final_score
    from scaled
    cross join selection
),

final as (
    select
        split,
        user_id,
        trainer_id,
        candidate_source,
        case when mode_used = 'rule_based' then cast(null as {{ dbt.type_string() }}) else model_id end as model_id,
        mode_used,
        rule_reasons,
        model_score,
        rule_score,
        model_score_scaled,
        rule_score_scaled,
        round(final_score, 12) as final_score,
        row_number() over (partition by split, user_id order by final_score desc, trainer_id asc) as base_rank,
        target_week
    from blended
)

select * from final
