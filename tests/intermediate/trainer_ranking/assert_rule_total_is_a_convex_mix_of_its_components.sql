-- The rule total is exactly the weighted sum of its components (`rule_components`) with weights
-- that sum to 1: it equals that sum, and it lies between the smallest and the largest component.
{%- set scores = [] -%}
{%- set weights = [] -%}
{%- for name in rule_components() -%}
    {%- do scores.append(name ~ '_score') -%}
    {%- do weights.append(var('rule_weight_' ~ name)) -%}
{%- endfor %}
with

scores as (
    select * from {{ ref('int_trainer_rule_scores') }}
),

checked as (
    select
        *,
        {#- summed here, not with the model's `rule_weighted_sum`, so the check is independent -#}
        {% for score in scores -%}
            {{ ' + ' if not loop.first }}{{ weights[loop.index0] }} * {{ score }}
        {%- endfor %} as weighted_sum,
        least({{ scores | join(', ') }}) as lowest,
        greatest({{ scores | join(', ') }}) as highest
    from scores
)

select *
from checked
where
    abs(total_score - weighted_sum) > 1e-6
    or total_score < lowest - 1e-6
    or total_score > highest + 1e-6
    or abs({{ weights | join(' + ') }} - 1) > 1e-9
