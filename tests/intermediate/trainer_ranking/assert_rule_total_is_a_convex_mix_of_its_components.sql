-- The rule total is exactly the weighted sum of its five components with weights that sum to 1:
-- it equals that sum, and it lies between the smallest and the largest component.
with

scores as (
    select * from {{ ref('int_trainer_rule_scores') }}
),

checked as (
    select
        *,
        {{ var('rule_weight_quality') }} * quality_score
        + {{ var('rule_weight_reliability') }} * reliability_score
        + {{ var('rule_weight_experience') }} * experience_score
        + {{ var('rule_weight_engagement') }} * engagement_score
        + {{ var('rule_weight_activity') }} * activity_score as weighted_sum,
        least(quality_score, reliability_score, experience_score, engagement_score, activity_score) as lowest,
        greatest(quality_score, reliability_score, experience_score, engagement_score, activity_score) as highest
    from scores
)

select *
from checked
where
    abs(total_score - weighted_sum) > 1e-6
    or total_score < lowest - 1e-6
    or total_score > highest + 1e-6
    or abs(
        {{ var('rule_weight_quality') }} + {{ var('rule_weight_reliability') }} + {{ var('rule_weight_experience') }}
        + {{ var('rule_weight_engagement') }} + {{ var('rule_weight_activity') }} - 1
    ) > 1e-9
