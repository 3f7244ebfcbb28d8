{#- The docs site shows each column's type from the catalog (`dbt docs generate`), which DuckDB
    builds from the relations in the warehouse. The contracts' sources are files read in place
    (`external_location`), not relations, so their pages showed no types. These two overrides of
    dbt-duckdb's catalog queries add, for every source table with a declared `data_type`, the
    table and its columns with that type (the type `check_source_contracts` holds every file to),
    so the source pages show the contract where users look. -#}
{% macro duckdb__get_catalog_tables_sql(information_schema) -%}
    select *
    from (
        select
            t.database_name as table_database,
            t.schema_name as table_schema,
            t.table_name as table_name,
            'BASE TABLE' as table_type,
            t.comment as table_comment
        from duckdb_tables() as t
        where upper(t.database_name) = upper('{{ information_schema.database }}')
        union all
        select
            v.database_name as table_database,
            v.schema_name as table_schema,
            v.view_name as table_name,
            'VIEW' as table_type,
            v.comment as table_comment
        from duckdb_views() as v
        where upper(v.database_name) = upper('{{ information_schema.database }}')
        {%- for source in _contract_sources(information_schema) %}
        union all
        select
            {{ string_literal(source.database) }}, {{ string_literal(source.schema) }},
            {{ string_literal(source.identifier) }}, 'EXTERNAL', {{ string_literal(source.description or '') }}
        {%- endfor %}
    ) as catalog_tables
{%- endmacro %}

{% macro duckdb__get_catalog_columns_sql(information_schema) -%}
    select *
    from (
        select
            c.database_name as table_database,
            c.schema_name as table_schema,
            c.table_name as table_name,
            c.column_name as column_name,
            c.column_index as column_index,
            c.data_type as column_type,
            c.comment as column_comment
        from duckdb_columns() as c
        where upper(c.database_name) = upper('{{ information_schema.database }}')
        {%- for source in _contract_sources(information_schema) %}
            {%- for column in source.columns.values() if column.data_type %}
        union all
        select
            {{ string_literal(source.database) }}, {{ string_literal(source.schema) }},
            {{ string_literal(source.identifier) }}, {{ string_literal(column.name) }}, {{ loop.index }},
            {{ string_literal(column.data_type | upper) }}, {{ string_literal(column.description or '') }}
            {%- endfor %}
        {%- endfor %}
    ) as catalog_columns
{%- endmacro %}

{#- The source tables of this database whose columns declare a `data_type` (the contracts). -#}
{% macro _contract_sources(information_schema) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for source in graph.sources.values()
            if (source.database or '') | upper == (information_schema.database or '') | upper
            and source.columns.values() | selectattr('data_type') | list | length > 0 -%}
            {%- do found.append(source) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}
