{#- Primary key over several columns: no two rows share the combination, none of it is null. -#}
{% test unique_combination_of_columns(model, combination) %}

with

keyed as (
    select {{ combination | join(', ') }}
    from {{ model }}
),

problems as (
    select
        {{ combination | join(', ') }},
        count(*) as n_rows
    from keyed
    group by {{ combination | join(', ') }}
    having
        count(*) > 1
        {%- for column in combination %}
        or {{ column }} is null
        {%- endfor %}
)

select * from problems
{% endtest %}
