{#- On Spark, sources are tables in the metastore. This on-run-start hook (re)creates, as an
    external (unmanaged) table over its raw file, each source table that an enabled model reads, so
    every model reads the same files as on DuckDB. A source says how in its meta: `spark_path` (a
    path, absolute or relative to the project folder: RECWAREHOUSE_PROJECT_DIR, else the working
    directory; `{name}` becomes the table name), `spark_format` (default parquet), `spark_options`
    (reader options, e.g. the CSV separator) and `spark_columns` (a schema, for files without one).
    Dropping an external table leaves its files alone; re-creating it each run follows var changes
    (a new raw_data_path). On other engines this renders nothing. -#}
{% macro register_spark_sources() %}
    {%- if target.type != 'spark' or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set statements = [] -%}
    {%- set schemas = [] -%}
    {#- only the sources an enabled model reads (adapters pick their files with conditional refs) -#}
    {%- set used = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- for dependency in node.depends_on.nodes if dependency.startswith('source.') -%}
            {%- do used.append(dependency) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for source in graph.sources.values() if source.unique_id in used -%}
        {%- set meta = dict(source.source_meta, **source.meta) -%}
        {%- if meta.get('spark_path') -%}
            {%- if source.schema not in schemas -%}
                {%- do schemas.append(source.schema) -%}
                {%- do statements.append('create database if not exists ' ~ source.schema) -%}
            {%- endif -%}
            {%- set path = meta['spark_path'] | replace('{name}', source.identifier) -%}
            {%- if not (path.startswith('/') or ':' in path) -%}
                {#- Spark resolves a relative path against the database folder, not the project -#}
                {%- set path = env_var('RECWAREHOUSE_PROJECT_DIR', env_var('PWD', '.')) ~ '/' ~ path -%}
            {%- endif -%}
            {%- set options = meta.get('spark_options', {}) -%}
            {%- set option_sql = [] -%}
            {%- for key, value in options.items() -%}
                {%- do option_sql.append(key ~ " '" ~ value ~ "'") -%}
            {%- endfor -%}
            {%- do statements.append('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- do statements.append(
                'create table ' ~ source.schema ~ '.' ~ source.identifier
                ~ (' (' ~ meta['spark_columns'] ~ ')' if meta.get('spark_columns') else '')
                ~ ' using ' ~ meta.get('spark_format', 'parquet')
                ~ " options (path '" ~ path ~ "'"
                ~ (', ' ~ option_sql | join(', ') if option_sql else '') ~ ')'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- set off = [] -%}
    {%- for domain in ['trainer_ranking', 'cold_start', 'marketplace', 'interactions'] if domain not in spark_python_domains() -%}
        {%- do off.append(domain) -%}
    {%- endfor -%}
    {{ log('Spark: registered ' ~ (statements | length) ~ ' source statements; Python models run in this '
        ~ 'SparkSession for ' ~ spark_python_domains() | join(', ')
        ~ ((' (not yet for ' ~ off | join(', ') ~ ')') if off else ''), info=true) }}
{% endmacro %}
