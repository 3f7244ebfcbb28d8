{#- A SQL expression turning free text into an identifier fragment: lowercase, every run of
    characters outside [a-z0-9] folded into one '_', leading / trailing '_' dropped, at most
    `max_length` characters. Non-Latin text gives ''. -#}
{% macro identifier_slug(expr, max_length) -%}
    {{ return(adapter.dispatch('identifier_slug', 'recwarehouse')(expr, max_length)) }}
{%- endmacro %}

{% macro default__identifier_slug(expr, max_length) -%}
    left(trim(regexp_replace(lower({{ expr }}), '[^a-z0-9]+', '_', 'g'), '_'), {{ max_length }})
{%- endmacro %}

{% macro spark__identifier_slug(expr, max_length) -%}
    left(regexp_replace(regexp_replace(lower({{ expr }}), '[^a-z0-9]+', '_'), '^_+|_+$', ''), {{ max_length }})
{%- endmacro %}
