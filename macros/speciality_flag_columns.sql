{#- One `sp__<speciality>` 0/1 column per speciality present in the data, generated at run time
    from `stg_platform__trainer_specialities` (no hand-written list). `source_alias` is the
    relation holding (trainer_id, speciality) rows. -#}
{% macro speciality_flag_columns(source_alias) -%}
    {%- if execute -%}
        {%- set query -%}
            select distinct speciality from {{ ref('stg_platform__trainer_specialities') }} order by speciality
        {%- endset -%}
        {%- set specialities = run_query(query).columns[0].values() -%}
    {%- else -%}
        {%- set specialities = [] -%}
    {%- endif -%}
    {%- for speciality in specialities %}
        max(case when {{ source_alias }}.speciality = '{{ speciality }}' then 1 else 0 end)
        as sp__{{ modules.re.sub('[^a-z0-9]+', '_', speciality | lower) }}
        {{- "," if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
