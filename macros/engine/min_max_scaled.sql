{#- `expr` min-max scaled to [0, 1] given its group's `low` and `high` (min and max over the
    group, computed once per group by the caller, e.g. with a group by joined back: cheaper than
    window aggregates over millions of rows); 0.5 when the group's values are all equal; null
    stays null. -#}
{% macro min_max_scaled(expr, low, high) -%}
    case
        when {{ expr }} is null then null
        when {{ high }} = {{ low }} then 0.5
        else ({{ expr }} - {{ low }}) / ({{ high }} - {{ low }})
    end
{%- endmacro %}
