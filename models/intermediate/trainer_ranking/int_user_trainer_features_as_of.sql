{#- As-of (user, trainer) history for every target week T, read only from weeks <= T-1.
    Recency weight of a week w: decay^(T-1-w), so last week counts fully. Training and
    validation weeks keep the seeded user sample of `int_target_weeks`.

    Computed without re-aggregating history for every target week: running totals per pair are
    taken once over its weekly rows (window functions), and each target week T picks the pair's
    last row before T (the row whose next event week is T or later). Decayed sums use
    sum_w x_w d^(T-1-w) = d^(T-1-o) * sum_w x_w d^(o-w), with o the first week of data, so the
    running sum is independent of T. -#}

with

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
),

origin as (
    select min(event_week) as origin_week from weekly
),

scaled as (
    select
        weekly.*,
        pow({{ var('decay') }}, -{{ weeks_between('origin.origin_week', 'weekly.event_week') }}) as inverse_weight
    from weekly
    cross join origin
),

running as (
    select
        user_id,
        trainer_id,
        event_week,
        lead(event_week) over pair_order as next_event_week,
        sum(impressions) over pair_history as pair_impressions,
        sum(clicks) over pair_history as pair_clicks,
        sum(video_views) over pair_history as pair_video_views,
        sum(likes) over pair_history as pair_likes,
        sum(impressions * inverse_weight) over pair_history as impressions_scaled,
        sum(clicks * inverse_weight) over pair_history as clicks_scaled,
        sum(video_views * inverse_weight) over pair_history as video_views_scaled,
        sum(likes * inverse_weight) over pair_history as likes_scaled,
        sum(watch_fraction_sum) over pair_history as pair_watch_fraction_sum,
        sum(case when is_engaged then 1 else 0 end) over pair_history as pair_engaged_weeks,
        max(case when is_engaged then event_week end) over pair_history as last_engaged_week
    from scaled
    window
        pair_order as (partition by user_id, trainer_id order by event_week),
        pair_history as (
            partition by user_id, trainer_id order by event_week rows between unbounded preceding and current row
        )
),

as_of_target as (
    select
        running.*,
        target_weeks.target_week,
        pow({{ var('decay') }}, {{ weeks_between('origin.origin_week', 'target_weeks.target_week') }} - 1)
            as target_weight
    from running
    inner join target_weeks
        on
            running.event_week < target_weeks.target_week
            and (running.next_event_week is null or running.next_event_week >= target_weeks.target_week)
    cross join origin
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
        round(impressions_scaled * target_weight, 9) as pair_impressions_decayed,
        round(clicks_scaled * target_weight, 9) as pair_clicks_decayed,
        round(video_views_scaled * target_weight, 9) as pair_video_views_decayed,
        round(likes_scaled * target_weight, 9) as pair_likes_decayed,
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
