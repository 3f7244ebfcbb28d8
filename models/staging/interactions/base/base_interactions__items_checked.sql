{{ config(materialized='table') }}

{#- The item catalogue from the configured adapter, with contract checks: a null or duplicate
    item_id is rejected (of a duplicate id, the first valid row is kept). Every adapter gives the
    same columns: MovieLens's genre flags are null for the others (and its category string is),
    so the table matches its documented columns whatever the input. -#}

with

source as (
    {% if var('interactions_adapter') == 'movielens_100k' -%}
        select
            item_id,
            title,
            {%- for g in range(19) %}
                genre_{{ g }},
            {%- endfor %}
            cast(null as {{ dbt.type_string() }}) as categories
        from {{ source('interactions', 'movielens_items') }}
    {%- elif var('interactions_has_items') -%}
        select
            item_id,
            title,
            {%- for g in range(19) %}
                cast(null as int) as genre_{{ g }},
            {%- endfor %}
            categories
        from {{ source('interactions', 'items') }}
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as item_id,
            cast(null as {{ dbt.type_string() }}) as title,
            {%- for g in range(19) %}
                cast(null as int) as genre_{{ g }},
            {%- endfor %}
            cast(null as {{ dbt.type_string() }}) as categories
        where false
    {%- endif %}
),

checked as (
    select
        *,
        {{ reject_reason([
            ("item_id is null", "null item_id"),
        ], duplicate={'key': 'item_id', 'order_by': 'title', 'reason': 'duplicate item_id'}) }} as reject_reason
    from source
)

select * from checked
