{#- Who gets shown: for every week and mode in `fct_recommendations_served` and every trainer in
    the catalogue (those never listed included), how many users' lists held the trainer, the
    share of lists, and rank-weighted exposure (each listing counts 1 / log2(rank + 1), the
    weight NDCG gives a position). Beside each row, the week's catalogue figures: coverage
    (trainers listed at least once / catalogue), Gini of exposure over the catalogue (on lists
    held) and the most listed trainer's share of lists. -#}

with

served as (
    select * from {{ ref('fct_recommendations_served') }}
),

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

served_weeks as (
    select
        serve_week,
        mode_used,
        count(distinct user_id) as users_served
    from served
    group by serve_week, mode_used
),

listed as (
    select
        serve_week,
        mode_used,
        trainer_id,
        count(*) as lists,
        {{ stable_sum('ln(2) / ln(rank + 1)') }} as rank_weighted_exposure,
        min(rank) as best_rank
    from served
    group by serve_week, mode_used, trainer_id
),

catalogue as (
    select
        served_weeks.serve_week,
        served_weeks.mode_used,
        served_weeks.users_served,
        trainers.trainer_id,
        trainers.trainer_name,
        coalesce(listed.lists, 0) as lists,
        coalesce(listed.rank_weighted_exposure, 0) as rank_weighted_exposure,
        listed.best_rank
    from served_weeks
    cross join trainers
    left join listed
        on
            served_weeks.serve_week = listed.serve_week
            and served_weeks.mode_used = listed.mode_used
            and trainers.trainer_id = listed.trainer_id
),

ordered as (
    select
        *,
        row_number() over (partition by serve_week, mode_used order by lists, trainer_id) as position,
        count(*) over (partition by serve_week, mode_used) as n_trainers
    from catalogue
),

week_figures as (
    select
        serve_week,
        mode_used,
        {{ safe_divide('sum(case when lists > 0 then 1 else 0 end)', 'count(*)') }} as catalog_coverage,
        {{ gini_coefficient('lists', 'position', 'n_trainers') }} as gini_exposure,
        {{ safe_divide('max(lists)', 'max(users_served)') }} as top_trainer_share
    from ordered
    group by serve_week, mode_used
),

final as (
    select
        ordered.serve_week,
        ordered.mode_used,
        ordered.trainer_id,
        ordered.trainer_name,
        ordered.lists,
        round({{ safe_divide('ordered.lists', 'ordered.users_served') }}, 9) as share_of_lists,
        round(ordered.rank_weighted_exposure, 9) as rank_weighted_exposure,
        round(
            {{ safe_divide(
                'ordered.rank_weighted_exposure',
                stable_sum('ordered.rank_weighted_exposure', over='partition by ordered.serve_week, ordered.mode_used')
            ) }},
            9
        ) as exposure_share,
        ordered.best_rank,
        ordered.users_served,
        round(week_figures.catalog_coverage, 9) as catalog_coverage,
        round(week_figures.gini_exposure, 9) as gini_exposure,
        round(week_figures.top_trainer_share, 9) as top_trainer_share
    from ordered
    inner join week_figures
        on
            ordered.serve_week = week_figures.serve_week
            and ordered.mode_used = week_figures.mode_used
)

select * from final
