with

checked as (
    select * from {{ ref('base_platform__workouts_checked') }}
    where reject_reason is null
),

exploded as (
    select
        workout_id,
        {{ explode_list('tags') }} as raw_tag
    from checked
),

normalised as (
    select distinct
        cast(workout_id as {{ dbt.type_string() }}) as workout_id,
        {{ normalise_term('raw_tag') }} as tag
    from exploded
)

select * from normalised
where tag <> ''
