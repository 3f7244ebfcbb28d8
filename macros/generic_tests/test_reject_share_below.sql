{#- Fails when the share of rejected rows in a `base_*_checked` model passes `threshold`
    (default: the reject_share_threshold var). The failing row names the table, the share and
    the top reasons; run with --store-failures to keep it. The same is printed on screen as the
    test fails: the table, the share, the limit, the three commonest reasons and what to change. -#}
{% test reject_share_below(model, threshold=none) %}
{%- set limit = threshold if threshold is not none else var('reject_share_threshold') -%}
{%- set test_sql -%}

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
{%- endset -%}
{%- if execute -%}
    {%- for row in run_query(test_sql).rows -%}
        {%- set rejected_table = model.identifier | replace('base_', 'stg_', 1) | replace('_checked', '_rejected') -%}
        {%- do exceptions.warn(
            row['table_name'] ~ ": " ~ '%.1f' | format(100 * row['reject_share']) ~ "% of its " ~ row['n_rows']
            ~ " rows are rejected (" ~ row['n_rejected'] ~ "), above the limit of " ~ '%.1f' | format(100 * limit)
            ~ "%; commonest reasons: " ~ row['top_reasons'] ~ ". Fix those rows (each is in " ~ rejected_table
            ~ " with its reason) or raise " ~ ("var reject_share_threshold" if threshold is none else "the test's threshold")
            ~ " (--vars '{reject_share_threshold: ...}')") -%}
    {%- endfor -%}
{%- endif -%}
{{ test_sql }}
{% endtest %}
