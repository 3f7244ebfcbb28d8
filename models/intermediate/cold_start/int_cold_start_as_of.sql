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
        {%- endif %} as as_of_date
    from sessions
),

final as (
    select
        as_of_date,
        cast({{ add_days('as_of_date', 1) }} as timestamp) as as_of_end_at
    from resolved
)

select * from final
