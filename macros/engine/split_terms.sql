{#- Split free text on , ; / | into a list of raw terms. -#}
{% macro split_terms(expr) -%}
    {{ return(adapter.dispatch('split_terms', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__split_terms(expr) -%}
    string_split_regex({{ expr }}, '[,;/|]')
{%- endmacro %}

{% macro spark__split_terms(expr) -%}
    split({{ expr }}, '[,;/|]')
{%- endmacro %}
