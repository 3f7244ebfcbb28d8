{#- Whole weeks from week start `earlier` to week start `later` (both Mondays). -#}
{% macro weeks_between(earlier, later) -%}
    {{ return(adapter.dispatch('weeks_between', 'recwarehouse')(earlier, later)) }}
{%- endmacro %}

{% macro default__weeks_between(earlier, later) -%}
    cast(date_diff('day', {{ earlier }}, {{ later }}) / 7 as integer)
{%- endmacro %}

{% macro spark__weeks_between(earlier, later) -%}
    cast(datediff({{ later }}, {{ earlier }}) / 7 as int)
{%- endmacro %}
