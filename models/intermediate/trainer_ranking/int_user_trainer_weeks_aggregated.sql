{#- Incremental by week: a run re-reads only the newest stored week onwards (that week may have
    been partial) and replaces those weeks. Late data for older weeks needs --full-refresh. On
    Spark the table is partitioned by week and the same weeks are replaced by insert_overwrite. -#}
{{ config(
    materialized='incremental',
    unique_key=['user_id', 'trainer_id', 'event_week'],
    incremental_strategy='insert_overwrite' if target.type == 'spark' else 'delete+insert',
    partition_by=['event_week'] if target.type == 'spark' else none,
) }}

with

events as (
    select * from {{ ref('stg_platform__events') }}
    {% if is_incremental() %}
        where event_week >= (select max(event_week) from {{ this }})  -- noqa: RF02
    {% endif %}
),

events_rolled_up_to_weeks as (
    select
        user_id,
        trainer_id,
        event_week,
        {{ count_sum("case when event_type = 'impression' then 1 else 0 end") }} as impressions,
        {{ count_sum("case when event_type = 'click' then 1 else 0 end") }} as clicks,
        {{ count_sum("case when event_type = 'video_view' then 1 else 0 end") }} as video_views,
        {{ count_sum("case when event_type = 'like' then 1 else 0 end") }} as likes,
        coalesce(
            {{ stable_sum("case when event_type = 'video_view' then watch_fraction end") }}, 0
        ) as watch_fraction_sum
    from events
    group by user_id, trainer_id, event_week
),

final as (
    select
        user_id,
        trainer_id,
        impressions,
        clicks,
        video_views,
        likes,
        watch_fraction_sum,
        {{ safe_divide('watch_fraction_sum', 'video_views', 'null') }} as mean_watch_fraction,
        {{ safe_divide('clicks', 'impressions') }} as ctr,
        {{ safe_divide('video_views', 'clicks') }} as view_rate,
        {{ safe_divide('likes', 'video_views') }} as like_rate,
        clicks + video_views + likes > 0 as is_engaged,
        event_week
    from events_rolled_up_to_weeks
)

select * from final
