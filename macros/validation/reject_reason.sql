{#- Every failed check of a row, joined with '; ' (null when the row is valid).
    checks: a list of (condition, reason) pairs; a condition is true when the row breaks it.
    duplicate: optional {'key': 'cols', 'order_by': 'cols', 'reason': 'text'}: rows sharing a key
    are judged among the rows that pass every other check first, so an invalid copy never knocks
    out a valid one: the first row of each key (valid rows first, then by `order_by`) is kept, and
    every later one is rejected as a duplicate, besides its own reasons. -#}
{% macro reject_reason(checks, duplicate=none) -%}
    {%- set own_reasons -%}
        concat_ws(
            '; '
            {%- for condition, reason in checks %},
            case when {{ condition }} then '{{ reason | replace("'", "''") }}' end
            {%- endfor %}
        )
    {%- endset -%}
    {%- if duplicate is none -%}
        nullif({{ own_reasons }}, '')
    {%- else -%}
        nullif(concat_ws(
            '; ',
            nullif({{ own_reasons }}, ''),
            case when row_number() over (
                partition by {{ duplicate['key'] }}
                order by case when {{ own_reasons }} = '' then 0 else 1 end, {{ duplicate['order_by'] }}
            ) > 1 then '{{ duplicate["reason"] | replace("'", "''") }}' end
        ), '')
    {%- endif -%}
{%- endmacro %}
