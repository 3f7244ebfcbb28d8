-- Under an exposure cap (var `max_trainer_list_share`), in the validation and serve weeks: no
-- trainer fills more than ceil(cap x users) lists within the cap, and a trainer beyond the cap
-- only fills a list that would otherwise be short (fewer than K candidates within the cap).
-- Without a cap it has nothing to check. Runs on every target (the cap is SQL).
{{ config(enabled=var('max_trainer_list_share') is not none) }}

with

problems as (
    select
        'trainer ' || blended.trainer_id || ' fills ' || cast(count(*) as {{ dbt.type_string() }})
        || ' lists within the cap' as problem
    from {{ ref('int_trainer_scores_blended') }} as blended
    inner join (
        select
            split,
            count(distinct user_id) as users
        from {{ ref('int_trainer_scores_blended') }}
        group by split
    ) as split_users
        on blended.split = split_users.split
    where blended.served_rank <= {{ var('k') }} and blended.is_within_exposure_cap
    group by blended.split, blended.trainer_id, split_users.users
    having count(*) > ceil({{ var('max_trainer_list_share') }} * split_users.users)

    union all

    select 'user ' || user_id || ' was served a trainer beyond the cap with enough within it' as problem
    from {{ ref('int_trainer_scores_blended') }}
    group by split, user_id
    having
        sum(case when is_within_exposure_cap then 1 else 0 end) >= {{ var('k') }}
        and sum(case when not is_within_exposure_cap and served_rank <= {{ var('k') }} then 1 else 0 end) > 0
)

select * from problems
