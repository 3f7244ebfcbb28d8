{#- A key unique to each row of one query over a raw table (for joining exploded parts back).
    Not stable across runs; only used inside one model. Spark requires an ordered window for
    row_number, and its monotonically_increasing_id is unique per row without a shuffle. -#}
{% macro row_key() -%}
    {{ return(adapter.dispatch('row_key', 'recwarehouse')()) }}
{%- endmacro %}

{% macro default__row_key() -%}
    row_number() over ()
{%- endmacro %}

{% macro spark__row_key() -%}
    monotonically_increasing_id()
{%- endmacro %}
