-- Leakage guard: no feature row read a source week at or after its target week.
select
    target_week,
    max_source_week,
    count(*) as n_rows
from {{ ref('int_trainer_ranking_examples') }}
where max_source_week >= target_week
group by target_week, max_source_week
