{#- avg() of floating-point values in no particular order: `stable_sum` over the count of values
    that are not null (so the same bit for bit whatever order the rows arrive in). -#}
{% macro stable_avg(expr) -%}
    ({{ stable_sum(expr) }} / count({{ expr }}))
{%- endmacro %}
