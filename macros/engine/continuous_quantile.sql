{#- The continuous quantile of a numeric column (an aggregate; linear interpolation between the
    two nearest values, nulls ignored): DuckDB's quantile_cont, Spark's exact percentile. -#}
{% macro continuous_quantile(expr, fraction) -%}
    {{ return(adapter.dispatch('continuous_quantile', 'recwarehouse')(expr, fraction)) }}
{%- endmacro %}

{% macro default__continuous_quantile(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro spark__continuous_quantile(expr, fraction) -%}
    percentile({{ expr }}, {{ fraction }})
{%- endmacro %}
