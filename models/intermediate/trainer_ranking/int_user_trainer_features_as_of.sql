{#- As-of (user, trainer) history for every target week T, read only from weeks <= T-1.
    Recency weight of a week w: decay^(T-1-w), so last week counts fully. Training and
    validation weeks keep the seeded user sample of `int_target_weeks`.

    Computed without re-aggregating history for every target week: running totals per pair are
    taken once over its weekly rows (window functions), and each target week T picks the pair's
    last row before T (the row whose next event week is T or later).

    Decayed sums use sum_w x_w d^(T-1-w) = d^(T-1-o) * sum_w x_w d^(o-w) with an origin o, so the
    running sum does not depend on T. d^(o-w) grows without bound (decay 0.1 over 8 years is
    10^416, past any double), so the origin is not the first week of data but the start of the
    row's block: history is cut into blocks of `block_weeks` weeks, with d^block_weeks >= e^-600
    (51 years at decay 0.8, 260 weeks at 0.1), inside which d^(o-w) <= e^600 stays finite. A
    target week reads the running sum of its row's block plus the whole previous block; blocks
    before that weigh less than e^-600 per event and are left out, which changes no value at
    the 9 decimals kept. Every power has a non-positive exponent times ln(decay) bounded by 600,
    so nothing overflows for any decay in (0, 1]. -#}

with

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
),

origin as (
    select
        min(event_week) as origin_week,
        {% if checked_var('decay') < 1 -%}
            greatest(1, cast(floor(600 / -ln({{ var('decay') }})) as integer))
        {%- else -%}
            1000000000
        {%- endif %} as block_weeks
    from weekly
),

blocked as (
    select
        weekly.*,
        origin.origin_week,
        origin.block_weeks,
        cast(floor({{ weeks_between('origin.origin_week', 'weekly.event_week') }} / origin.block_weeks) as integer)
            as block,
        {{ weeks_between('origin.origin_week', 'weekly.event_week') }} as weeks_from_origin
    from weekly
    cross join origin
),

scaled as (
    select
        *,
        pow({{ var('decay') }}, block * block_weeks - weeks_from_origin) as inverse_weight
    from blocked
),

running as (
    select
        user_id,
        trainer_id,
        event_week,
        origin_week,
        block_weeks,
        block,
        lead(event_week) over pair_order as next_event_week,
        sum(impressions) over pair_history as pair_impressions,
        sum(clicks) over pair_history as pair_clicks,
        sum(video_views) over pair_history as pair_video_views,
        sum(likes) over pair_history as pair_likes,
        sum(impressions * inverse_weight) over block_history as impressions_scaled,
        sum(clicks * inverse_weight) over block_history as clicks_scaled,
        sum(video_views * inverse_weight) over block_history as video_views_scaled,
        sum(likes * inverse_weight) over block_history as likes_scaled,
        sum(watch_fraction_sum) over pair_history as pair_watch_fraction_sum,
        sum(case when is_engaged then 1 else 0 end) over pair_history as pair_engaged_weeks,
        max(case when is_engaged then event_week end) over pair_history as last_engaged_week
    from scaled
    window
        pair_order as (partition by user_id, trainer_id order by event_week),
        pair_history as (
            partition by user_id, trainer_id order by event_week rows between unbounded preceding and current row
        ),
        block_history as (
            partition by user_id, trainer_id, block order by event_week
            rows between unbounded preceding and current row
        )
),

block_totals as (
    select
        user_id,
        trainer_id,
        block,
        sum(impressions * inverse_weight) as impressions_scaled,
        sum(clicks * inverse_weight) as clicks_scaled,
        sum(video_views * inverse_weight) as video_views_scaled,
        sum(likes * inverse_weight) as likes_scaled
    from scaled
    group by user_id, trainer_id, block
),

as_of_target as (
    select
        running.*,
        target_weeks.target_week,
        pow(
            {{ var('decay') }},
            {{ weeks_between('running.origin_week', 'target_weeks.target_week') }} - 1
            - running.block * running.block_weeks
        ) as target_weight,
        pow(
            {{ var('decay') }},
            {{ weeks_between('running.origin_week', 'target_weeks.target_week') }} - 1
            - (running.block - 1) * running.block_weeks
        ) as previous_block_weight,
        coalesce(previous_block.impressions_scaled, 0) as previous_impressions_scaled,
        coalesce(previous_block.clicks_scaled, 0) as previous_clicks_scaled,
        coalesce(previous_block.video_views_scaled, 0) as previous_video_views_scaled,
        coalesce(previous_block.likes_scaled, 0) as previous_likes_scaled
    from running
    inner join target_weeks
        on
            running.event_week < target_weeks.target_week
            and (running.next_event_week is null or running.next_event_week >= target_weeks.target_week)
    left join block_totals as previous_block
        on
            running.user_id = previous_block.user_id
            and running.trainer_id = previous_block.trainer_id
            and running.block - 1 = previous_block.block
    where {{ in_training_sample('running.user_id', 'target_weeks') }}
),

final as (
    select
        user_id,
        trainer_id,
        cast(pair_impressions as bigint) as pair_impressions,
        cast(pair_clicks as bigint) as pair_clicks,
        cast(pair_video_views as bigint) as pair_video_views,
        cast(pair_likes as bigint) as pair_likes,
        round(impressions_scaled * target_weight + previous_impressions_scaled * previous_block_weight, 9)
            as pair_impressions_decayed,
        round(clicks_scaled * target_weight + previous_clicks_scaled * previous_block_weight, 9)
            as pair_clicks_decayed,
        round(video_views_scaled * target_weight + previous_video_views_scaled * previous_block_weight, 9)
            as pair_video_views_decayed,
        round(likes_scaled * target_weight + previous_likes_scaled * previous_block_weight, 9)
            as pair_likes_decayed,
        {{ safe_divide('pair_clicks', 'pair_impressions') }} as pair_ctr,
        {{ safe_divide('pair_video_views', 'pair_clicks') }} as pair_view_rate,
        {{ safe_divide('pair_likes', 'pair_video_views') }} as pair_like_rate,
        {{ safe_divide('round(pair_watch_fraction_sum, 9)', 'pair_video_views') }} as pair_mean_watch_fraction,
        cast(pair_engaged_weeks as bigint) as pair_engaged_weeks,
        {{ weeks_between('last_engaged_week', 'target_week') }} as pair_weeks_since_engaged,
        event_week as max_source_week,
        target_week
    from as_of_target
)

select * from final
