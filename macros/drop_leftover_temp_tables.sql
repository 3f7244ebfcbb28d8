{#- Post-hook for incremental Python models: dbt-duckdb stages their new rows in a table named
    `<model>__dbt_tmp<timestamp>` (in the default schema) and leave it behind (~16 MB a run on the
    demo, so the file grows every rebuild). Drops every such table of this model, in any schema of
    the warehouse. -#}
{% macro drop_leftover_temp_tables(relation) %}
    {%- if not execute or target.type != 'duckdb' -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set query -%}
        select table_schema, table_name from information_schema.tables
        where table_catalog = '{{ relation.database }}' and starts_with(table_name, '{{ relation.identifier }}__dbt_tmp')
        order by table_schema, table_name
    {%- endset -%}
    {%- set leftovers = run_query(query).rows -%}
    {%- if not leftovers -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- for schema, name in leftovers -%}
        drop table if exists {{ adapter.quote(relation.database) }}.{{ adapter.quote(schema) }}.{{ adapter.quote(name) }};
    {% endfor -%}
{% endmacro %}
