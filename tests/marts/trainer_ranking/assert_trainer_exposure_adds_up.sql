-- fct_trainer_exposure accounts for every served row and every trainer: per week and mode, the
-- lists held add up to the served rows, every catalogue trainer has a row, exposure shares sum to
-- 1 and coverage is the share of trainers listed at least once.
with

exposure as (
    select * from {{ ref('fct_trainer_exposure') }}
),

served as (
    select
        serve_week,
        mode_used,
        count(*) as served_rows
    from {{ ref('fct_recommendations_served') }}
    group by serve_week, mode_used
),

per_week as (
    select
        serve_week,
        mode_used,
        sum(lists) as lists,
        count(*) as trainers,
        sum(exposure_share) as exposure_share,
        avg(case when lists > 0 then cast(1 as double) else cast(0 as double) end) as listed_share,
        max(catalog_coverage) as catalog_coverage
    from exposure
    group by serve_week, mode_used
)

select per_week.*
from per_week
left join served
    on per_week.serve_week = served.serve_week and per_week.mode_used = served.mode_used
where
    served.served_rows is null
    or per_week.lists != served.served_rows
    or per_week.trainers != (select count(*) from {{ ref('stg_platform__trainers') }})
    or abs(per_week.exposure_share - 1) > 1e-6
    or abs(per_week.listed_share - per_week.catalog_coverage) > 1e-6
