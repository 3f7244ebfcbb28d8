{#- An aggregate: the values of `expr` as a list, sorted (nulls and repeats kept), so whatever
    reads the list meets its elements in one order on every engine and run. -#}
{% macro sorted_list(expr) -%}
    {{ return(adapter.dispatch('sorted_list', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__sorted_list(expr) -%}
    list({{ expr }} order by {{ expr }})
{%- endmacro %}

{% macro spark__sorted_list(expr) -%}
    array_sort(collect_list({{ expr }}))
{%- endmacro %}
