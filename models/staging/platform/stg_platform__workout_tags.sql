with

checked as (
    select * from {{ ref('base_platform__workouts_checked') }}
    where reject_reason is null
),

exploded as (
    select distinct
        cast(workout_id as varchar) as workout_id,
        {{ normalise_term(explode_list('tags')) }} as tag
    from checked
)

select * from exploded
where tag <> ''
