{#- The rolling-origin calendar: which weeks are training targets, which is held out for
    validation, which is served. All boundaries are vars; null vars are derived from the data.
    `user_sample_rate`: training and validation weeks use a seeded sample of at most
    `max_training_users` users (the serve week always has everyone), so the cost of training
    stays bounded as the platform grows. -#}

with

weeks_with_data as (
    select distinct event_week from {{ ref('int_user_trainer_weeks_aggregated') }}
),

data_bounds as (
    select
        min(event_week) as first_week,
        max(event_week) as last_week
    from weeks_with_data
),

boundaries as (
    select
        {{ week_var('first_target_week', add_weeks('first_week', 2)) }} as first_target_week,
        {{ week_var('validation_week', 'last_week') }} as validation_week,
        {{ week_var('serve_week', add_weeks('last_week', 1)) }} as serve_week
    from data_bounds
),

training_weeks as (
    select
        weeks_with_data.event_week as target_week,
        'train' as split
    from weeks_with_data
    cross join boundaries
    where
        weeks_with_data.event_week >= boundaries.first_target_week
        and weeks_with_data.event_week < boundaries.validation_week
),

validation_week as (
    select
        validation_week as target_week,
        'validation' as split
    from boundaries
),

serve_week as (
    select
        serve_week as target_week,
        'serve' as split
    from boundaries
),

all_target_weeks as (
    select * from training_weeks
    union all
    select * from validation_week
    union all
    select * from serve_week
),

user_count as (
    select count(*) as users from {{ ref('stg_platform__users') }}
),

final as (
    select
        all_target_weeks.target_week,
        all_target_weeks.split,
        case
            when all_target_weeks.split = 'serve' then 1.0
            else least(1.0, {{ var('max_training_users') }} / greatest(user_count.users, 1))
        end as user_sample_rate
    from all_target_weeks
    cross join user_count
)

select * from final
