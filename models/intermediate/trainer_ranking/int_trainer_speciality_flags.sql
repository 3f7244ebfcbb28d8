{#- Trainer specialities as multi-hot columns, one per speciality found in the data; the column
    names come from `int_trainer_speciality_columns`. -#}

with

specialities as (
    select * from {{ ref('stg_platform__trainer_specialities') }}
),

speciality_columns as (
    select * from {{ ref('int_trainer_speciality_columns') }}
),

keyed as (
    select
        specialities.trainer_id,
        speciality_columns.speciality_key
    from specialities
    inner join speciality_columns
        on specialities.speciality = speciality_columns.speciality
),

flags as (
    select
        keyed.trainer_id
        {{- speciality_flag_columns('keyed') }}
    from keyed
    group by keyed.trainer_id
)

select * from flags
