with

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

synonyms as (
    select * from {{ ref('speciality_synonyms') }}
),

terms_exploded as (
    select
        trainer_id,
        {{ explode_list(split_terms('specialities_raw')) }} as raw_term
    from trainers
),

terms as (
    select
        trainer_id,
        {{ normalise_term('raw_term') }} as term
    from terms_exploded
),

mapped as (
    select distinct
        terms.trainer_id,
        terms.term as raw_term,
        coalesce(synonyms.speciality, replace(terms.term, ' ', '_')) as speciality,
        synonyms.speciality is not null as is_known_term
    from terms
    left join synonyms
        on terms.term = synonyms.term
    where terms.term <> ''
),

one_row_per_speciality as (
    select
        trainer_id,
        speciality,
        min(raw_term) as raw_term,
        bool_or(is_known_term) as is_known_term
    from mapped
    group by trainer_id, speciality
)

select * from one_row_per_speciality
