{#- A 64-bit hash of several columns together (equal values, equal hash; different values may
    rarely collide). Used to find candidate duplicates cheaply before an exact check. -#}
{% macro combination_hash(columns) -%}
    {{ return(adapter.dispatch('combination_hash', 'recwarehouse')(columns)) }}
{%- endmacro %}

{% macro default__combination_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__combination_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}
