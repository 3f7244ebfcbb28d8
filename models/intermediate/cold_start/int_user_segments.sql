{#- Every (user, segment) membership: a segment is age_group x fitness_level x preferred_type, so a
    user with three preferred types belongs to three segments. Users with no preferred type belong
    to no segment here; their cold-start list comes from the age x level parent (see the lookup). -#}

with

users as (
    select * from {{ ref('stg_platform__users') }}
),

preferred_types as (
    select * from {{ ref('stg_platform__user_preferred_types') }}
),

final as (
    select
        users.user_id,
        {{ segment_key('users.age_group', 'users.fitness_level', 'preferred_types.preferred_type') }} as segment_key,
        users.age_group,
        users.fitness_level,
        preferred_types.preferred_type,
        users.signup_at
    from users
    inner join preferred_types
        on users.user_id = preferred_types.user_id
)

select * from final
