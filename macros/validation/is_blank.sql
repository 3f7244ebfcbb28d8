{#- True when a text value holds nothing but white space (spaces, tabs, new lines) and, when
    given, the `separators` characters; null stays null (null checks are separate). -#}
{% macro is_blank(expr, separators='') -%}
    {{ return(adapter.dispatch('is_blank', 'recwarehouse')(expr, separators)) }}
{%- endmacro %}

{% macro default__is_blank(expr, separators) -%}
    regexp_matches({{ expr }}, '^[\s{{ separators }}]*$')
{%- endmacro %}

{% macro spark__is_blank(expr, separators) -%}
    ({{ expr }} rlike '^[\\s{{ separators }}]*$')
{%- endmacro %}
