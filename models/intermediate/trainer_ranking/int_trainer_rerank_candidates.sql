{#- The second stage's input: each user's top `rerank_candidates` trainers from the base stage
    (`int_trainer_scores_blended`), for the validation and serve weeks, with the re-ranker's
    features (diversity is computed while re-ranking, in Python):
    - model_score  the base-stage score, min-max within the user's candidates;
    - recency      exp(-age_days / 30), age_days = days from the trainer's newest workout
                   published before the week to the week's Monday;
    - popularity   ln(views + 3 * interactions + 1) / ln(that of the most popular trainer), from
                   weeks before the target week (views = video views; interactions = clicks + likes).
    `is_within_exposure_cap` carries the base stage's exposure cap (var `max_trainer_list_share`)
    over, so the re-ranked lists keep it as the served ones do.
    And the outcomes of the week (validation only): `label` (clicked, viewed or liked: the
    evaluation label and the re-ranker's training label) and `is_impressed` (shown). -#}

with

blended as (
    select * from {{ ref('int_trainer_scores_blended') }}
    where base_rank <= {{ var('rerank_candidates') }}
),

weekly as (
    select * from {{ ref('int_user_trainer_weeks_aggregated') }}
),

trainer_features as (
    select * from {{ ref('int_trainer_features_as_of') }}
),

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
    where split in ('validation', 'serve')
),

popularity as (
    select
        trainer_id,
        target_week,
        trainer_newest_workout_at,
        {{ safe_divide(
            'ln(trainer_video_views + 3 * (trainer_clicks + trainer_likes) + 1)',
            'max(ln(trainer_video_views + 3 * (trainer_clicks + trainer_likes) + 1)) over (partition by target_week)'
        ) }} as popularity
    from trainer_features
),

outcomes as (
    select
        target_weeks.split,
        weekly.user_id,
        weekly.trainer_id,
        weekly.event_week,
        weekly.is_engaged,
        weekly.impressions > 0 as is_impressed
    from weekly
    inner join target_weeks
        on weekly.event_week = target_weeks.target_week
    where target_weeks.split = 'validation'
),

final as (
    select
        blended.split,
        blended.user_id,
        blended.trainer_id,
        blended.mode_used,
        blended.base_rank,
        blended.is_within_exposure_cap,
        blended.final_score as model_score,
        round(
            exp(
                -{{ days_between('popularity.trainer_newest_workout_at', 'blended.target_week') }}
                / cast(30 as double)
            ),
            12
        ) as recency,
        {{ days_between('popularity.trainer_newest_workout_at', 'blended.target_week') }} as newest_workout_age_days,
        round(coalesce(popularity.popularity, 0), 12) as popularity,
        case when coalesce(outcomes.is_engaged, false) then 1 else 0 end as label,
        coalesce(outcomes.is_impressed, false) as is_impressed,
        blended.target_week
    from blended
    left join popularity
        on blended.trainer_id = popularity.trainer_id and blended.target_week = popularity.target_week
    left join outcomes
        on
            blended.split = outcomes.split
            and blended.user_id = outcomes.user_id
            and blended.trainer_id = outcomes.trainer_id
            and blended.target_week = outcomes.event_week
)

select * from final
