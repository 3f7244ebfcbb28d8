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

boundaries_unchecked as (
    select
        data_bounds.first_week,
        data_bounds.last_week,
        {{ week_var('first_target_week', add_weeks('data_bounds.first_week', 2)) }} as first_target_week,
        {{ week_var('validation_week', 'data_bounds.last_week') }} as validation_week,
        {{ week_var('serve_week', add_weeks('data_bounds.last_week', 1)) }} as serve_week
    from data_bounds
),

{#- wrong week settings stop here with the var, its value and the data's range, instead of
    building every model on an empty week -#}
{%- set span = "' (events span the weeks ', cast(first_week as " ~ dbt.type_string() ~ "), ' .. ', cast(last_week as "
    ~ dbt.type_string() ~ "), ')'" %}
{%- set week_text = "cast({} as " ~ dbt.type_string() ~ ")" %}

boundaries as (
    select *
    from boundaries_unchecked
    where {{ fail_when([
        ("last_week is null",
            "'int_target_weeks: no valid events (the events table is empty or every row was rejected: see stg_platform__events_rejected)'"),
        ("validation_week > last_week",
            "concat('validation_week = ', " ~ week_text.format('validation_week')
            ~ ", ' (var validation_week) is after the last week of data: the validation week needs its labels', " ~ span ~ ")"),
        ("validation_week <= first_week",
            "concat('validation_week = ', " ~ week_text.format('validation_week')
            ~ ", ' (var validation_week) leaves no history before it', " ~ span ~ ")"),
        ("serve_week <= validation_week",
            "concat('serve_week = ', " ~ week_text.format('serve_week') ~ ", ' (var serve_week) must be after validation_week = ', "
            ~ week_text.format('validation_week') ~ ", " ~ span ~ ")"),
        ("serve_week > " ~ add_weeks('last_week', var('max_serve_weeks_after_data')),
            "concat('serve_week = ', " ~ week_text.format('serve_week') ~ ", ' (var serve_week) is more than "
            ~ var('max_serve_weeks_after_data') ~ " weeks (var max_serve_weeks_after_data) after the last week of data:"
            ~ " its lists would rest on stale data', " ~ span ~ ")"),
    ]) }}
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
