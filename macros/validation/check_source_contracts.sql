{#- Before any model runs (on-run-start), compare every source file that a selected model reads
    with its contract in the sources YAML: the file exists (unless its meta says `optional`: then
    a missing file is an empty table, see `optional_source`), each column with a `data_type` is
    there with a type of that family, and a table whose meta says `require_rows` has rows.
    Stops the run with one message naming, for each fault, the file, the column, the expected
    and the found type. DuckDB only (on Spark the `spark_columns` meta fixes the types). -#}
{% macro check_source_contracts() %}
    {%- if not execute or target.type != 'duckdb' -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set read_sources = [] -%}
    {%- for unique_id in selected_resources if unique_id in graph.nodes -%}
        {%- for dependency in graph.nodes[unique_id].depends_on.nodes if dependency.startswith('source.') -%}
            {%- do read_sources.append(dependency) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set errors = [] -%}
    {%- for source_id in read_sources | unique | sort -%}
        {%- set source = graph.sources[source_id] -%}
        {%- set expected = {} -%}
        {%- for column in source.columns.values() if column.data_type -%}
            {%- do expected.update({column.name | lower: column.data_type | lower}) -%}
        {%- endfor -%}
        {%- set meta = dict(source.source_meta, **source.meta) -%}
        {%- set path = meta.get('spark_path', '') | replace('{name}', source.identifier) -%}
        {%- if expected and path.endswith('.parquet') -%}
            {%- if not meta.get('optional', false) or source_file_exists(path) -%}
                {%- do _check_source_file(errors, source, path, expected, meta.get('require_rows', false)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error("Input files break the contract (models/staging/*/_*__sources.yml):\n  - "
            ~ errors | join("\n  - ")) }}
    {%- endif -%}
    select 1
{% endmacro %}

{% macro _check_source_file(errors, source, path, expected, require_rows) %}
    {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
    {%- set label = path ~ " (source " ~ source.source_name ~ "." ~ source.name ~ ")" -%}
    {%- if not source_file_exists(path) -%}
        {%- do errors.append(label ~ ": file not found") -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = {} -%}
    {%- for row in run_query("describe select * from read_parquet(" ~ quoted ~ ")").rows -%}
        {%- do found.update({row[0] | lower: row[1] | upper}) -%}
    {%- endfor -%}
    {%- for column, family in expected.items() -%}
        {%- if column not in found -%}
            {%- do errors.append(label ~ ": column '" ~ column ~ "' is missing (expected " ~ family ~ ")") -%}
        {%- elif not _type_in_family(found[column], family) -%}
            {%- do errors.append(label ~ ": column '" ~ column ~ "' should be " ~ family ~ ", found " ~ found[column]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if require_rows and run_query("select count(*) from read_parquet(" ~ quoted ~ ")").columns[0].values()[0] == 0 -%}
        {%- do errors.append(label ~ ": the table is empty (it has no rows); the warehouse needs " ~ source.name) -%}
    {%- endif -%}
{% endmacro %}

{#- Is a DuckDB type (as `describe` prints it) one the contract's family accepts? -#}
{% macro _type_in_family(found, family) %}
    {%- set whole = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'] -%}
    {%- set accepted = {
        'varchar': found == 'VARCHAR',
        'varchar[]': found == 'VARCHAR[]',
        'integer': found in whole,
        'double': found in whole or found in ['FLOAT', 'DOUBLE'] or found.startswith('DECIMAL'),
        'timestamp': found in ['TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S', 'DATE'],
        'date': found in ['DATE', 'TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S'],
    } -%}
    {%- if family not in accepted -%}
        {{ exceptions.raise_compiler_error("unknown contract data_type '" ~ family ~ "'") }}
    {%- endif -%}
    {{ return(accepted[family]) }}
{% endmacro %}

{#- Does a source's file exist? (DuckDB's glob; other engines: assumed, their reader says if not) -#}
{% macro source_file_exists(path) %}
    {%- if target.type != 'duckdb' -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
    {{ return(run_query("select count(*) from glob(" ~ quoted ~ ")").columns[0].values()[0] > 0) }}
{% endmacro %}

{#- A source whose meta says `optional`: the source itself when its file exists, else an empty
    relation with the contract's columns and types (each column's `data_type`), so the models
    downstream build with no rows. Lineage keeps the source either way. -#}
{% macro optional_source(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- set meta = dict(node.source_meta, **node.meta) -%}
    {%- set path = meta.get('spark_path', '') | replace('{name}', node.identifier) -%}
    {%- if source_file_exists(path) -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ log(path ~ " (source " ~ source_name ~ "." ~ table_name ~ ") is not there: it is optional, so it is read as an empty table", info=true) }}
    {%- set types = {'integer': 'bigint', 'double': 'double', 'varchar': dbt.type_string(), 'timestamp': 'timestamp', 'date': 'date'} -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append("cast(null as " ~ types[column.data_type | lower] ~ ") as " ~ column.name) -%}
    {%- endfor -%}
    {{ return("(select " ~ columns | join(", ") ~ " where false)") }}
{% endmacro %}
