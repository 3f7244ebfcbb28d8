{#- Number of elements of a list column (null list -> 0). -#}
{% macro list_size(expr) -%}
    {{ return(adapter.dispatch('list_size', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__list_size(expr) -%}
    coalesce(len({{ expr }}), 0)
{%- endmacro %}

{% macro spark__list_size(expr) -%}
    coalesce(size({{ expr }}), 0)
{%- endmacro %}
