{#- What happened to the served lists: every served (week, mode, user, rank, trainer) joined with
    that user's funnel events for the trainer in the served week, rolled up per serve week, mode,
    candidate source and rank - realised impression, click, view, like and engagement rates.
    The offline stand-in for an A/B test; `make backtest` fills it by serving past weeks in turn
    under each mode. Weeks without event data yet are left out. -#}

with

served as (
    select * from {{ ref('fct_recommendations_served') }}
),

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

weeks_with_data as (
    select distinct event_week from weekly
),

joined as (
    select
        served.serve_week,
        served.mode_used,
        served.candidate_source,
        served.rank,
        case when coalesce(weekly.impressions, 0) > 0 then 1 else 0 end as was_impressed,
        case when coalesce(weekly.clicks, 0) > 0 then 1 else 0 end as was_clicked,
        case when coalesce(weekly.video_views, 0) > 0 then 1 else 0 end as was_viewed,
        case when coalesce(weekly.likes, 0) > 0 then 1 else 0 end as was_liked,
        case when coalesce(weekly.is_engaged, false) then 1 else 0 end as was_engaged
    from served
    inner join weeks_with_data
        on served.serve_week = weeks_with_data.event_week
    left join weekly
        on
            served.user_id = weekly.user_id
            and served.trainer_id = weekly.trainer_id
            and served.serve_week = weekly.event_week
),

final as (
    select
        serve_week,
        mode_used,
        candidate_source,
        rank,
        count(*) as served_rows,
        round(avg(was_impressed), 9) as impression_rate,
        round(avg(was_clicked), 9) as click_rate,
        round(avg(was_viewed), 9) as view_rate,
        round(avg(was_liked), 9) as like_rate,
        round(avg(was_engaged), 9) as engagement_rate
    from joined
    group by serve_week, mode_used, candidate_source, rank
)

select * from final
