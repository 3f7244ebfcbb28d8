{#- Fails when the share of rejected rows in a `base_*_checked` model passes `threshold`
    (default: the reject_share_threshold var). The failing row names the table, the share and
    the top reasons; run with --store-failures to keep it. -#}
{% test reject_share_below(model, threshold=none) %}
{%- set limit = threshold if threshold is not none else var('reject_share_threshold') -%}

with

rows_checked as (
    select reject_reason from {{ model }}
),

reasons as (
    select
        reject_reason,
        count(*) as n_rows
    from rows_checked
    where reject_reason is not null
    group by reject_reason
),

top_reasons as (
    select
        reject_reason,
        n_rows,
        row_number() over (order by n_rows desc, reject_reason) as reason_rank
    from reasons
),

summary as (
    select
        '{{ model.identifier }}' as table_name,
        (select count(*) from rows_checked) as n_rows,
        (select coalesce(sum(n_rows), 0) from reasons) as n_rejected,
        (
            select string_agg(reject_reason || ' (' || n_rows || ')', '; ')
            from top_reasons
            where reason_rank <= 3
        ) as top_reasons
)

select
    table_name,
    n_rows,
    n_rejected,
    top_reasons,
    cast(n_rejected as double) / n_rows as reject_share
from summary
where n_rows > 0 and cast(n_rejected as double) / n_rows > {{ limit }}
{% endtest %}
