{#- Which generated `sp__*` column of `int_trainer_speciality_flags` stands for which speciality.
    Specialities are free text, so nothing of them is pasted into SQL. A column name is either
    - plain: `sp__` and the speciality itself, when that is a short identifier of [a-z0-9] words
      joined by single '_' (so it never holds '__'), or
    - hashed: `sp__`, a slug of at most 24 characters (runs of other characters folded into one
      '_', so it never holds '__' either), '__' and the speciality's whole md5 (32 hex digits).
    Only hashed names hold '__' after the prefix, so a plain name never equals a hashed one, and two
    hashed names differ wherever their md5s do: the names are as distinct as `speciality_key` (the
    md5 that flags match on, hex and safe to quote), by construction. At most 62 characters. -#}

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
        {{ identifier_slug('speciality', 24) }} as short_slug,
        trainers
    from per_speciality
),

final as (
    select
        speciality,
        speciality_key,
        case
            when slug = speciality then concat('sp__', slug)
            else concat('sp__', short_slug, '__', speciality_key)
        end as column_name,
        trainers
    from slugged
)

select * from final
