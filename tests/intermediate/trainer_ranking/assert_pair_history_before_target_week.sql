-- Leakage guard at the source: every as-of pair, user and trainer feature row read only weeks < T.
select
    'pair' as feature_set,
    target_week,
    max_source_week
from {{ ref('int_user_trainer_features_as_of') }}
where max_source_week >= target_week
union all
select
    'user' as feature_set,
    target_week,
    max_source_week
from {{ ref('int_user_features_as_of') }}
where max_source_week >= target_week
union all
select
    'trainer' as feature_set,
    target_week,
    max_source_week
from {{ ref('int_trainer_features_as_of') }}
where max_source_week >= target_week
