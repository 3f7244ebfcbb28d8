{#- True when a number is NaN or +/- infinity (a Parquet double can hold both; comparisons with
    NaN do not catch it, DuckDB sorts NaN above every number). -#}
{% macro is_not_finite(expr) -%}
    {{ return(adapter.dispatch('is_not_finite', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__is_not_finite(expr) -%}
    (isnan(cast({{ expr }} as double)) or isinf(cast({{ expr }} as double)))
{%- endmacro %}

{% macro spark__is_not_finite(expr) -%}
    (isnan(cast({{ expr }} as double)) or abs(cast({{ expr }} as double)) = double('Infinity'))
{%- endmacro %}
