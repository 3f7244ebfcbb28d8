{#- One output row per element of a list column, in a select list. -#}
{% macro explode_list(expr) -%}
    {{ return(adapter.dispatch('explode_list', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__explode_list(expr) -%}
    unnest({{ expr }})
{%- endmacro %}

{% macro spark__explode_list(expr) -%}
    explode({{ expr }})
{%- endmacro %}
