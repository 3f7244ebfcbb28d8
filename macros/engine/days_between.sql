{#- Whole calendar days from date `earlier` to date `later` (negative when later is earlier). -#}
{% macro days_between(earlier, later) -%}
    {{ return(adapter.dispatch('days_between', 'recwarehouse')(earlier, later)) }}
{%- endmacro %}

{% macro default__days_between(earlier, later) -%}
    date_diff('day', cast({{ earlier }} as date), cast({{ later }} as date))
{%- endmacro %}

{% macro spark__days_between(earlier, later) -%}
    datediff(cast({{ later }} as date), cast({{ earlier }} as date))
{%- endmacro %}
