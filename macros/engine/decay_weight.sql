{#- The recency weight of data from week `event_week` for target week `target_week`:
    decay ^ (weeks between - 1), so the week just before the target counts fully. -#}
{% macro decay_weight(event_week, target_week) -%}
    pow({{ var('decay') }}, {{ weeks_between(event_week, target_week) }} - 1)
{%- endmacro %}
