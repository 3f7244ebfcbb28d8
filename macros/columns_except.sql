{#- The columns of a built relation, minus `except`, each as `alias.col` (optionally coalesced),
    comma-separated. Used to carry generated columns (sp__*) through without listing them. -#}
{% macro columns_except(relation, alias, except=[], coalesce_to=none) -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- else -%}
        {%- set columns = [] -%}
    {%- endif -%}
    {%- set kept = [] -%}
    {%- for column in columns if column.name | lower not in except -%}
        {%- if coalesce_to is not none -%}
            {%- do kept.append('coalesce(' ~ alias ~ '.' ~ column.name ~ ', ' ~ coalesce_to ~ ') as ' ~ column.name) -%}
        {%- else -%}
            {%- do kept.append(alias ~ '.' ~ column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ kept | join(',\n        ') if kept else '0 as no_generated_columns' }}
{%- endmacro %}
