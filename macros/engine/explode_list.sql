{#- One output row per element of a list column, in a select list. Use it alone in its select
    item (normalise in the next CTE): Spark does not allow a generator nested in an expression. -#}
{% macro explode_list(expr) -%}
    {{ return(adapter.dispatch('explode_list', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__explode_list(expr) -%}
    unnest({{ expr }})
{%- endmacro %}

{% macro spark__explode_list(expr) -%}
    explode({{ expr }})
{%- endmacro %}
