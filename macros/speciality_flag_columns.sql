{#- One `, <column_name> ` 0/1 column per row of `int_trainer_speciality_columns`, generated at run
    time (no hand-written list). Each column comes with a leading comma, so the macro follows the
    last fixed column. `source_alias` is a relation holding (trainer_id, speciality_key) rows.
    Only the md5 key (hex) and the generated name reach the SQL, and the name is checked to be a
    plain identifier, so no speciality text can break or change the query. Renders nothing when
    the mapping is not built yet (parsing, linting). -#}
{% macro speciality_flag_columns(source_alias) -%}
    {%- set mapping = [] -%}
    {%- if execute -%}
        {%- set relation = load_relation(ref('int_trainer_speciality_columns')) -%}
        {%- if relation is not none -%}
            {%- set query -%}
                select speciality_key, column_name from {{ relation }} order by column_name
            {%- endset -%}
            {%- set mapping = run_query(query).rows -%}
        {%- endif -%}
    {%- endif -%}
    {%- for key, column_name in mapping %}
        {%- if not modules.re.match('^[a-f0-9]{32}$', key) or not modules.re.match('^sp__[a-z0-9_]{1,58}$', column_name) -%}
            {{ exceptions.raise_compiler_error("int_trainer_speciality_columns: unsafe generated column '"
                ~ column_name ~ "' for key '" ~ key ~ "'") }}
        {%- endif -%},
        max(case when {{ source_alias }}.speciality_key = '{{ key }}' then 1 else 0 end) as {{ column_name }}
    {%- endfor -%}
{%- endmacro %}
