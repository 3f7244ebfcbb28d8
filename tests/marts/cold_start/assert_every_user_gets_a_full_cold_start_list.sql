-- Every known user gets exactly segment_list_size distinct workouts from their profile alone.
with

users as (
    select * from {{ ref('stg_platform__users') }}
),

lists as (
    select * from {{ ref('fct_user_cold_start_recommendations') }}
),

per_user as (
    select
        users.user_id,
        count(lists.workout_id) as n_rows,
        max(lists.rank) as max_rank
    from users
    left join lists
        on users.user_id = lists.user_id
    group by users.user_id
)

select * from per_user
where n_rows != {{ var('segment_list_size') }} or max_rank != {{ var('segment_list_size') }}
