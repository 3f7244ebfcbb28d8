{#- What happened to the served lists: every served (week, mode, user, rank, trainer) joined with
    that user's funnel events for the trainer in the served week and what they said about it
    (`stg_platform__recommendation_feedback` for that served week), rolled up per serve week, mode,
    candidate source and rank - realised impression, click, view, like and engagement rates
    beside helpful and complaint rates and the most common complaint.
    The offline stand-in for an A/B test; `make backtest` fills it by serving past weeks in turn
    under each mode. Weeks without event data yet are left out. -#}

with

served as (
    select * from {{ ref('fct_recommendations_served') }}
),

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

feedback as (
    select * from {{ ref('stg_platform__recommendation_feedback') }}
),

said as (
    select
        user_id,
        trainer_id,
        served_week,
        max(case when feedback_type = 'helpful' then 1 else 0 end) as said_helpful,
        max(case when is_complaint then 1 else 0 end) as complained,
        min(case when is_complaint then feedback_type end) as complaint_type
    from feedback
    group by user_id, trainer_id, served_week
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
        case when coalesce(weekly.is_engaged, false) then 1 else 0 end as was_engaged,
        coalesce(said.said_helpful, 0) as said_helpful,
        coalesce(said.complained, 0) as complained,
        said.complaint_type
    from served
    inner join weeks_with_data
        on served.serve_week = weeks_with_data.event_week
    left join weekly
        on
            served.user_id = weekly.user_id
            and served.trainer_id = weekly.trainer_id
            and served.serve_week = weekly.event_week
    left join said
        on
            served.user_id = said.user_id
            and served.trainer_id = said.trainer_id
            and served.serve_week = said.served_week
),

complaint_counts as (
    select
        serve_week,
        mode_used,
        candidate_source,
        rank,
        complaint_type,
        row_number() over (
            partition by serve_week, mode_used, candidate_source, rank
            order by count(*) desc, complaint_type
        ) as complaint_rank
    from joined
    where complaint_type is not null
    group by serve_week, mode_used, candidate_source, rank, complaint_type
),

rolled_up as (
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
        round(avg(was_engaged), 9) as engagement_rate,
        round(avg(said_helpful), 9) as helpful_rate,
        round(avg(complained), 9) as complaint_rate
    from joined
    group by serve_week, mode_used, candidate_source, rank
),

final as (
    select
        rolled_up.*,
        complaint_counts.complaint_type as top_complaint
    from rolled_up
    left join complaint_counts
        on
            rolled_up.serve_week = complaint_counts.serve_week
            and rolled_up.mode_used = complaint_counts.mode_used
            and rolled_up.candidate_source = complaint_counts.candidate_source
            and rolled_up.rank = complaint_counts.rank
            and complaint_counts.complaint_rank = 1
)

select * from final
