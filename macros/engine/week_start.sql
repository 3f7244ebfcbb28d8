{#- The week calendar: the Monday (UTC) of the ISO week that holds a timestamp or date.
    Every week in the warehouse is computed with this macro. -#}
{% macro week_start(expr) -%}
    {{ return(adapter.dispatch('week_start', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__week_start(expr) -%}
    cast(date_trunc('week', {{ expr }}) as date)
{%- endmacro %}

{% macro spark__week_start(expr) -%}
    cast(date_trunc('WEEK', {{ expr }}) as date)
{%- endmacro %}
