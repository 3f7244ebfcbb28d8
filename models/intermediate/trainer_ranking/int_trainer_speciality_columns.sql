{#- Which generated `sp__*` column of `int_trainer_speciality_flags` stands for which speciality.
    Specialities are free text, so nothing of them is pasted into SQL: a column name is `sp__` and
    the speciality itself when that is already a short [a-z0-9_] identifier, otherwise `sp__`, a
    bounded slug and the first 8 hex digits of the speciality's md5 (collision-free, at most
    53 characters). Flags match on `speciality_key`
    (its md5), which is hex and safe to quote. -#}

with

specialities as (
    select * from {{ ref('stg_platform__trainer_specialities') }}
),

per_speciality as (
    select
        speciality,
        count(distinct trainer_id) as trainers
    from specialities
    group by speciality
),

slugged as (
    select
        speciality,
        md5(speciality) as speciality_key,
        {{ identifier_slug('speciality', 40) }} as slug,
        trainers
    from per_speciality
),

final as (
    select
        speciality,
        speciality_key,
        case
            when slug = speciality then concat('sp__', slug)
            when slug = '' then concat('sp__', left(speciality_key, 8))
            else concat('sp__', slug, '_', left(speciality_key, 8))
        end as column_name,
        trainers
    from slugged
)

select * from final
