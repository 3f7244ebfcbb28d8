-- Every segment in dim_segments, including those with no users or evidence, has exactly
-- segment_list_size rows, ranked 1..segment_list_size without gaps.
with

segments as (
    select * from {{ ref('dim_segments') }}
),

lists as (
    select * from {{ ref('fct_segment_recommendations') }}
),

per_segment as (
    select
        segments.segment_key,
        count(lists.workout_id) as n_rows,
        count(distinct lists.workout_id) as n_workouts,
        min(lists.rank) as min_rank,
        max(lists.rank) as max_rank
    from segments
    left join lists
        on segments.segment_key = lists.segment_key
    group by segments.segment_key
)

select * from per_segment
where
    n_rows != {{ var('segment_list_size') }}
    or n_workouts != {{ var('segment_list_size') }}
    or min_rank != 1
    or max_rank != {{ var('segment_list_size') }}
