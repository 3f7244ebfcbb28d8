{#- A date `n` days after `date_expr` (n may be negative). -#}
{% macro add_days(date_expr, n) -%}
    {{ return(adapter.dispatch('add_days', 'recwarehouse')(date_expr, n)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, n) -%}
    cast({{ date_expr }} + to_days(cast({{ n }} as integer)) as date)
{%- endmacro %}

{% macro spark__add_days(date_expr, n) -%}
    date_add({{ date_expr }}, cast({{ n }} as int))
{%- endmacro %}
