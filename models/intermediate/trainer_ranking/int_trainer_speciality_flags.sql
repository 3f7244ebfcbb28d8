{#- Trainer specialities as multi-hot columns, one per speciality found in the data. -#}

with

specialities as (
    select * from {{ ref('stg_platform__trainer_specialities') }}
),

flags as (
    select
        specialities.trainer_id
        {{- speciality_flag_columns('specialities') }}
    from specialities
    group by specialities.trainer_id
)

select * from flags
