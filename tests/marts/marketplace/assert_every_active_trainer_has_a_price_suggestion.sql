{{ config(enabled=python_stages_enabled('marketplace')) }}

-- Every trainer the ranking path knows in the serve week gets a price suggestion.
select features.trainer_id
from {{ ref('int_trainer_features_as_of') }} as features
inner join {{ ref('int_target_weeks') }} as weeks
    on features.target_week = weeks.target_week
left join {{ ref('fct_trainer_price_suggestions') }} as suggestions
    on features.trainer_id = suggestions.trainer_id
where
    weeks.split = 'serve'
    and suggestions.trainer_id is null
