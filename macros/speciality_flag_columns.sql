{#- One `, sp__<speciality>` 0/1 column per speciality present in the data, generated at run time
    from `stg_platform__trainer_specialities` (no hand-written list). Each column comes with a
    leading comma, so the macro follows the last fixed column. `source_alias` is the relation
    holding (trainer_id, speciality) rows. Renders nothing when that model is not built yet
    (parsing, linting). -#}
{% macro speciality_flag_columns(source_alias) -%}
    {%- set specialities = [] -%}
    {%- if execute -%}
        {%- set relation = load_relation(ref('stg_platform__trainer_specialities')) -%}
        {%- if relation is not none -%}
            {%- set query -%}
                select distinct speciality from {{ relation }} order by speciality
            {%- endset -%}
            {%- set specialities = run_query(query).columns[0].values() -%}
        {%- endif -%}
    {%- endif -%}
    {%- for speciality in specialities %},
        max(case when {{ source_alias }}.speciality = '{{ speciality }}' then 1 else 0 end)
        as sp__{{ modules.re.sub('[^a-z0-9]+', '_', speciality | lower) }}
    {%- endfor -%}
{%- endmacro %}
