{#- The mode serving really uses. `recommendation_mode` asks for rule_based, model or ensemble;
    model and ensemble need a trained model that passes the minimum-quality check (its validation
    NDCG@K >= min_model_lift x the popularity baseline's). Otherwise serving falls back to
    rule_based and says why in the run log. Reads the registry at run time. -#}
{% macro resolve_recommendation_mode(registry_relation) %}
    {%- set requested = var('recommendation_mode') -%}
    {%- if requested == 'rule_based' or not execute -%}
        {{ return(requested) }}
    {%- endif -%}
    {%- set result = run_query(
        "select count(*) filter (where stage = 'serving'),"
        ~ " max(case when stage = 'candidate' and is_selected then ndcg_at_k end),"
        ~ " max(case when stage = 'candidate' and algorithm = 'popularity' then ndcg_at_k end),"
        ~ " max(case when stage = 'candidate' and is_selected then algorithm end)"
        ~ " from " ~ registry_relation
    ) -%}
    {%- set row = result.rows[0] -%}
    {%- set n_serving, chosen = row[0], row[3] -%}
    {%- set chosen_ndcg = none if row[1] is none else row[1] | float -%}
    {%- set popularity_ndcg = none if row[2] is none else row[2] | float -%}
    {%- if n_serving == 0 -%}
        {{ log("recommendation_mode=" ~ requested ~ ": the registry holds no trained model; "
            ~ "falling back to rule_based", info=true) }}
        {{ return('rule_based') }}
    {%- elif popularity_ndcg is not none and chosen_ndcg < var('min_model_lift') * popularity_ndcg -%}
        {{ log("recommendation_mode=" ~ requested ~ ": model " ~ chosen ~ " has validation NDCG@K "
            ~ (chosen_ndcg | round(4)) ~ ", below min_model_lift " ~ var('min_model_lift')
            ~ " x popularity's " ~ (popularity_ndcg | round(4)) ~ "; falling back to rule_based", info=true) }}
        {{ return('rule_based') }}
    {%- endif -%}
    {{ return(requested) }}
{% endmacro %}
