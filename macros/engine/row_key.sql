{#- A key unique to each row of one query over a raw table (for joining exploded parts back),
    increasing in the order the scan reads the file: DuckDB keeps a scan's order (insertion order
    is preserved), and Spark's monotonically_increasing_id grows with the split and the row within
    it. The values differ between engines; their order does not (`log_row` ranks them). Spark
    requires an ordered window for row_number, and its id is unique per row without a shuffle. -#}
{% macro row_key() -%}
    {{ return(adapter.dispatch('row_key', 'recwarehouse')()) }}
{%- endmacro %}

{% macro default__row_key() -%}
    row_number() over ()
{%- endmacro %}

{% macro spark__row_key() -%}
    monotonically_increasing_id()
{%- endmacro %}
