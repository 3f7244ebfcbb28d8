{#- An aggregate: the distinct non-null values of `expr` in one text, sorted, joined by `separator`
    (e.g. a trainer's specialities 'cardio, yoga'). -#}
{% macro sorted_text_list(expr, separator=', ') -%}
    {{ return(adapter.dispatch('sorted_text_list', 'recwarehouse')(expr, separator)) }}
{%- endmacro %}

{% macro default__sorted_text_list(expr, separator) -%}
    string_agg(distinct {{ expr }}, '{{ separator }}' order by {{ expr }})
{%- endmacro %}

{% macro spark__sorted_text_list(expr, separator) -%}
    array_join(array_sort(collect_set({{ expr }})), '{{ separator }}')
{%- endmacro %}
