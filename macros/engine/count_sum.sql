{#- sum() of whole counts as a bigint. Engines widen integer sums (DuckDB to a 128-bit integer),
    which is slow to hand to Python and needless for counts. -#}
{% macro count_sum(expr) -%}
    cast(sum({{ expr }}) as bigint)
{%- endmacro %}
