{#- A UTC timestamp (without time zone) from whole seconds since 1970-01-01. -#}
{% macro from_unix_seconds(expr) -%}
    {{ return(adapter.dispatch('from_unix_seconds', 'recwarehouse')(expr)) }}
{%- endmacro %}

{% macro default__from_unix_seconds(expr) -%}
    make_timestamp(cast({{ expr }} as bigint) * 1000000)
{%- endmacro %}

{% macro spark__from_unix_seconds(expr) -%}
    timestamp_seconds(cast({{ expr }} as bigint))
{%- endmacro %}
