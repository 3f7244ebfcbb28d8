{#- True when a timestamp is before var `earliest_plausible_date` (a 1970 zero date, a typo in the
    year): such rows are rejected, as they would silently move every week derived from the data. -#}
{% macro implausibly_early(expr) -%}
    {{ expr }} < cast('{{ var("earliest_plausible_date") }}' as timestamp)
{%- endmacro %}
