{#- Lowercase, trim, and fold runs of spaces, hyphens and underscores into one space:
    ' Weight-loss ' -> 'weight loss'. Used on specialities, tags and preferred types. -#}
{% macro normalise_term(expr) -%}
    {{ return(adapter.dispatch('normalise_term', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__normalise_term(expr) -%}
    trim(regexp_replace(lower({{ expr }}), '[\s_-]+', ' ', 'g'))
{%- endmacro %}

{% macro spark__normalise_term(expr) -%}
    trim(regexp_replace(lower({{ expr }}), '[\\s_-]+', ' '))
{%- endmacro %}
