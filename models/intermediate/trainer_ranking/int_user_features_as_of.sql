{#- Per (user, target week T): the user's activity from weeks <= T-1, for every user who signed
    up before week T began (new users get zeros: the cold-start case). A user who joins during
    week T did not exist when week T's lists were made, so is not in week T (the cold-start
    lists serve them); counting them would let week T's sign-ups leak into its features. -#}

with

users as (
    select * from {{ ref('stg_platform__users') }}
),

fitness_levels as (
    select * from {{ ref('fitness_levels') }}
),

target_weeks as (
    select * from {{ ref('int_target_weeks') }}
),

pair_history as (
    select * from {{ ref('int_user_trainer_features_as_of') }}
),

users_known_at_target as (
    select
        users.user_id,
        users.goal,
        fitness_levels.level_rank as user_level_rank,
        {{ weeks_between('users.signup_week', 'target_weeks.target_week') }} as user_weeks_since_signup,
        target_weeks.target_week
    from users
    cross join target_weeks
    inner join fitness_levels
        on users.fitness_level = fitness_levels.fitness_level
    where
        users.signup_week < target_weeks.target_week
        and {{ in_training_sample('users.user_id', 'target_weeks') }}
),

activity as (
    select
        user_id,
        target_week,
        {{ stable_sum('pair_impressions_decayed') }} as user_impressions_decayed,
        {{ stable_sum('pair_clicks_decayed') }} as user_clicks_decayed,
        {{ stable_sum('pair_video_views_decayed') }} as user_video_views_decayed,
        {{ count_sum('case when pair_engaged_weeks > 0 then 1 else 0 end') }} as user_trainers_engaged,
        {{ safe_divide('sum(pair_clicks)', 'sum(pair_impressions)') }} as user_ctr,
        max(max_source_week) as max_source_week
    from pair_history
    group by user_id, target_week
),

final as (
    select
        users_known_at_target.user_id,
        users_known_at_target.goal,
        users_known_at_target.user_level_rank,
        users_known_at_target.user_weeks_since_signup,
        coalesce(activity.user_impressions_decayed, 0) as user_impressions_decayed,
        coalesce(activity.user_clicks_decayed, 0) as user_clicks_decayed,
        coalesce(activity.user_video_views_decayed, 0) as user_video_views_decayed,
        coalesce(activity.user_trainers_engaged, 0) as user_trainers_engaged,
        coalesce(activity.user_ctr, 0) as user_ctr,
        activity.user_id is null as is_new_user,
        activity.max_source_week,
        users_known_at_target.target_week
    from users_known_at_target
    left join activity
        on
            users_known_at_target.user_id = activity.user_id
            and users_known_at_target.target_week = activity.target_week
)

select * from final
