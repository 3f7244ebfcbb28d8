{#- Every failed check of a row, joined with '; ' (null when the row is valid).
    checks: a list of (condition, reason) pairs; a condition is true when the row breaks it. -#}
{% macro reject_reason(checks) -%}
    nullif(concat_ws(
        '; '
        {%- for condition, reason in checks %},
        case when {{ condition }} then '{{ reason | replace("'", "''") }}' end
        {%- endfor %}
    ), '')
{%- endmacro %}
