{#- As-of (user, trainer) history for every target week T, read only from weeks <= T-1.
    Recency weight of a week w: decay^(T-1-w), so last week counts fully. Training and
    validation weeks keep the seeded user sample of `int_target_weeks`. -#}

with

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
),

history_before_target as (
    select
        target_weeks.target_week,
        weekly.user_id,
        weekly.trainer_id,
        weekly.impressions,
        weekly.clicks,
        weekly.video_views,
        weekly.likes,
        weekly.watch_fraction_sum,
        weekly.is_engaged,
        weekly.event_week,
        {{ weeks_between('weekly.event_week', 'target_weeks.target_week') }} as weeks_back,
        pow({{ var('decay') }}, {{ weeks_between('weekly.event_week', 'target_weeks.target_week') }} - 1)
            as recency_weight
    from target_weeks
    inner join weekly
        on target_weeks.target_week > weekly.event_week
    where {{ in_training_sample('weekly.user_id', 'target_weeks') }}
),

summed as (
    select
        user_id,
        trainer_id,
        {{ count_sum('impressions') }} as pair_impressions,
        {{ count_sum('clicks') }} as pair_clicks,
        {{ count_sum('video_views') }} as pair_video_views,
        {{ count_sum('likes') }} as pair_likes,
        {{ stable_sum('impressions * recency_weight') }} as pair_impressions_decayed,
        {{ stable_sum('clicks * recency_weight') }} as pair_clicks_decayed,
        {{ stable_sum('video_views * recency_weight') }} as pair_video_views_decayed,
        {{ stable_sum('likes * recency_weight') }} as pair_likes_decayed,
        {{ stable_sum('watch_fraction_sum') }} as pair_watch_fraction_sum,
        {{ count_sum('case when is_engaged then 1 else 0 end') }} as pair_engaged_weeks,
        min(case when is_engaged then weeks_back end) as pair_weeks_since_engaged,
        max(event_week) as max_source_week,
        target_week
    from history_before_target
    group by target_week, user_id, trainer_id
),

final as (
    select
        user_id,
        trainer_id,
        pair_impressions,
        pair_clicks,
        pair_video_views,
        pair_likes,
        pair_impressions_decayed,
        pair_clicks_decayed,
        pair_video_views_decayed,
        pair_likes_decayed,
        {{ safe_divide('pair_clicks', 'pair_impressions') }} as pair_ctr,
        {{ safe_divide('pair_video_views', 'pair_clicks') }} as pair_view_rate,
        {{ safe_divide('pair_likes', 'pair_video_views') }} as pair_like_rate,
        {{ safe_divide('pair_watch_fraction_sum', 'pair_video_views') }} as pair_mean_watch_fraction,
        pair_engaged_weeks,
        pair_weeks_since_engaged,
        max_source_week,
        target_week
    from summed
)

select * from final
