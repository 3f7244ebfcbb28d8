{#- The current time as a UTC timestamp without time zone (what every *_at column holds). -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'recwarehouse')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast(timezone('UTC', now()) as timestamp)
{%- endmacro %}

{% macro spark__utc_now() -%}
    to_utc_timestamp(current_timestamp(), current_timezone())
{%- endmacro %}
