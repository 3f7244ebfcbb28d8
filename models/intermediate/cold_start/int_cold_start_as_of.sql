{#- One row: the day the cold-start scores are computed as of. Sessions started and feedback given
    before `as_of_end_at` (midnight after `as_of_date`) count; anything later is ignored, so the
    lists can be rebuilt for any past day. Default: the last day with a session. -#}

with

sessions as (
    select * from {{ ref('stg_platform__sessions') }}
),

resolved as (
    select
        {% if var('segment_as_of_date') is none -%}
            cast(max(started_at) as date)
        {%- else -%}
            cast('{{ var("segment_as_of_date") }}' as date)
        {%- endif %} as as_of_date,
        cast(min(started_at) as date) as first_session_date,
        cast(max(started_at) as date) as last_session_date
    from sessions
),

-- a date before any session would score every workout on nothing: say so instead
checked as (
    select *
    from resolved
    where {{ fail_when([
        ("first_session_date is null",
            "'int_cold_start_as_of: no valid sessions (the sessions table is empty or every row was rejected: see stg_platform__sessions_rejected)'"),
        ("as_of_date < first_session_date",
            "concat('segment_as_of_date = ', cast(as_of_date as " ~ dbt.type_string() ~ "), ' (var segment_as_of_date) is before the first session (sessions span ', cast(first_session_date as "
            ~ dbt.type_string() ~ "), ' .. ', cast(last_session_date as " ~ dbt.type_string() ~ "), ')')"),
    ]) }}
),

final as (
    select
        as_of_date,
        cast({{ add_days('as_of_date', 1) }} as timestamp) as as_of_end_at
    from checked
)

select * from final
