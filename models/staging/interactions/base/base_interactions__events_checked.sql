{{ config(materialized='table') }}

{#- Every raw interaction from the configured adapter (`interactions_adapter`), with every
    contract check it fails in `reject_reason`, and its position in the log (`log_row`: the split
    orders a user's same-time interactions by it, so a relabelling of ids changes nothing). An
    exact repeat of a (user, item, event_at) row is a duplicate; repeated interactions at other
    times are kept (plays, re-purchases). -#}

with

source as (
    {% if var('interactions_adapter') == 'movielens_100k' -%}
        select
            user_id,
            item_id,
            {{ from_unix_seconds('unix_seconds') }} as event_at,
            rating,
            cast(null as double) as weight,
            {{ row_key() }} as scan_key
        from {{ source('interactions', 'movielens_ratings') }}
    {%- else -%}
        select
            cast(user_id as {{ dbt.type_string() }}) as user_id,
            cast(item_id as {{ dbt.type_string() }}) as item_id,
            cast(event_at as timestamp) as event_at,
            cast(rating as double) as rating,
            cast(weight as double) as weight,
            {{ row_key() }} as scan_key
        from {{ source('interactions', 'events') }}
    {%- endif %}
),

positioned as (
    {#- 1, 2, ... in the order the rows are in the file, the same numbers on every engine (the
        scan key is increasing in file order on both, but its values differ) -#}
    select
        *,
        row_number() over (order by scan_key) as log_row
    from source
),

items as (
    select * from {{ ref('base_interactions__items_checked') }}
    where reject_reason is null
),

has_catalogue as (
    select count(*) > 0 as has_items from items
),

checked as (
    select
        source.user_id,
        source.item_id,
        source.event_at,
        source.rating,
        source.weight,
        source.log_row,
        {{ reject_reason([
            ("source.user_id is null", "null user_id"),
            ("source.item_id is null", "null item_id"),
            ("source.event_at is null", "null event_at"),
            ("source.event_at > " ~ utc_now(), "event_at in the future"),
            (implausibly_early("source.event_at"), "event_at before earliest_plausible_date"),
            ("source.rating < 0 or isnan(source.rating)", "rating negative or not a number"),
            ("source.weight <= 0 or isnan(source.weight)", "weight not positive"),
            ("has_catalogue.has_items and source.item_id is not null and items.item_id is null",
                "unknown item_id"),
        ], duplicate={'key': 'source.user_id, source.item_id, source.event_at', 'order_by': 'source.rating, source.weight', 'reason': 'duplicate interaction'}) }} as reject_reason
    from positioned as source
    cross join has_catalogue
    left join items
        on source.item_id = items.item_id
)

select * from checked
