{#- A date `n` weeks after `date_expr` (n may be negative). -#}
{% macro add_weeks(date_expr, n) -%}
    {{ return(adapter.dispatch('add_weeks', 'recwarehouse')(date_expr, n)) }}
{%- endmacro %}

{% macro default__add_weeks(date_expr, n) -%}
    cast({{ date_expr }} + to_days(cast(7 * ({{ n }}) as integer)) as date)
{%- endmacro %}

{% macro spark__add_weeks(date_expr, n) -%}
    date_add({{ date_expr }}, cast(7 * ({{ n }}) as int))
{%- endmacro %}
