{#- Every possible segment: age_group x fitness_level x workout_type from the reference seeds
    (4 x 3 x 12 = 144), whether or not anyone is in it yet, with the keys of its parent pools. -#}

with

age_groups as (
    select * from {{ ref('age_groups') }}
),

fitness_levels as (
    select * from {{ ref('fitness_levels') }}
),

workout_types as (
    select * from {{ ref('workout_types') }}
),

final as (
    select
        {{ segment_key('age_groups.age_group', 'fitness_levels.fitness_level', 'workout_types.workout_type') }}
            as segment_key,
        {{ segment_key('age_groups.age_group', 'fitness_levels.fitness_level') }} as age_level_key,
        fitness_levels.fitness_level as level_key,
        age_groups.age_group,
        fitness_levels.fitness_level,
        workout_types.workout_type as preferred_type,
        age_groups.age_group_order,
        fitness_levels.level_rank
    from age_groups
    cross join fitness_levels
    cross join workout_types
)

select * from final
