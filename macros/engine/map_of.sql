{#- An aggregate: a map from `key` to `value` over the group's rows (one row per key). -#}
{% macro map_of(key, value) -%}
    {{ return(adapter.dispatch('map_of', 'recwarehouse')(key, value)) }}
{%- endmacro %}

{% macro default__map_of(key, value) -%}
    map(list({{ key }} order by {{ key }}), list({{ value }} order by {{ key }}))
{%- endmacro %}

{% macro spark__map_of(key, value) -%}
    map_from_entries(collect_list(struct({{ key }}, {{ value }})))
{%- endmacro %}
