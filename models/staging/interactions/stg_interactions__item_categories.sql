{#- One row per (item, category): MovieLens genre flags unpivoted through `u.genre`, or the
    generic items' `categories` string split and normalised. -#}

with

checked as (
    select * from {{ ref('base_interactions__items_checked') }}
    where reject_reason is null
),

{% if var('interactions_adapter') == 'movielens_100k' -%}
    genres as (
        select * from {{ source('interactions', 'movielens_genres') }}
    ),

    flags as (
        {%- for g in range(19) %}
            select
                item_id,
                {{ g }} as genre_index
            from checked
            where genre_{{ g }} = 1
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ),

    categories as (
        select distinct
            cast(flags.item_id as {{ dbt.type_string() }}) as item_id,
            lower(genres.genre) as category
        from flags
        inner join genres
            on flags.genre_index = genres.genre_index
    )
{%- else -%}
    categories_exploded as (
        select
            item_id,
            {{ explode_list(split_terms('categories')) }} as raw_category
        from checked
        where categories is not null
    ),

    categories as (
        select distinct
            cast(item_id as {{ dbt.type_string() }}) as item_id,
            {{ normalise_term('raw_category') }} as category
        from categories_exploded
    )
{%- endif %}

select * from categories
where category <> ''
