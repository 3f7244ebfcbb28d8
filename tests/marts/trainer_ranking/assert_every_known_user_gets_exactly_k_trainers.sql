-- Every user who signed up before the serve week gets exactly K rows, ranked 1..K without gaps.
with

recommendations as (
    select * from {{ ref('fct_trainer_recommendations') }}
),

serve_week as (
    select target_week from {{ ref('int_target_weeks') }}
    where split = 'serve'
),

known_users as (
    select users.user_id
    from {{ ref('stg_platform__users') }} as users
    cross join serve_week
    where users.signup_week < serve_week.target_week
),

per_user as (
    select
        known_users.user_id,
        count(recommendations.trainer_id) as n_rows,
        min(recommendations.rank) as min_rank,
        max(recommendations.rank) as max_rank
    from known_users
    left join recommendations
        on known_users.user_id = recommendations.user_id
    group by known_users.user_id
)

select * from per_user
where n_rows <> {{ var('k') }} or min_rank <> 1 or max_rank <> {{ var('k') }}
