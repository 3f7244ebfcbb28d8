{#- `expression` as a 64-bit integer, or null when it is not one (DuckDB and Spark both spell it
    try_cast). -#}
{% macro try_cast_integer(expression) -%}
    try_cast({{ expression }} as bigint)
{%- endmacro %}
