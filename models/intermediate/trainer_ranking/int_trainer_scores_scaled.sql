{#- Every validation- and serve-week candidate with its two base-stage scores on one scale: the
    model score (`ml_trainer_serving_scores`: the selected candidate-stage model on the validation
    week, the serving model on the serve week) and the rule score (`int_trainer_rule_scores`),
    each min-max scaled within the user's candidates (0.5 when all are equal). How they are mixed
    is chosen on the validation week (`ml_serving_selection`) and applied in
    `int_trainer_scores_blended`. On a target without Python models (Spark) there are no model
    scores. -#}

with

examples as (
    select * from {{ ref('int_trainer_ranking_examples') }}
    where split in ('validation', 'serve')
),

model_scores as (
    {% if python_stages_enabled() -%}
        select * from {{ ref('ml_trainer_serving_scores') }}
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as split,
            cast(null as {{ dbt.type_string() }}) as user_id,
            cast(null as {{ dbt.type_string() }}) as trainer_id,
            cast(null as {{ dbt.type_string() }}) as model_id,
            cast(null as double) as score
        where false
    {%- endif %}
),

rule_scores as (
    select * from {{ ref('int_trainer_rule_scores') }}
),

joined as (
    select
        examples.split,
        examples.user_id,
        examples.trainer_id,
        examples.candidate_source,
        cast(model_scores.model_id as {{ dbt.type_string() }}) as model_id,
        model_scores.score as model_score,
        rule_scores.total_score as rule_score,
        rule_scores.reasons as rule_reasons,
        examples.target_week
    from examples
    left join model_scores
        on
            examples.split = model_scores.split
            and examples.user_id = model_scores.user_id
            and examples.trainer_id = model_scores.trainer_id
    left join rule_scores
        on
            examples.trainer_id = rule_scores.trainer_id
            and examples.target_week = rule_scores.target_week
),

score_ranges as (
    select
        split,
        user_id,
        min(model_score) as min_model_score,
        max(model_score) as max_model_score,
        min(rule_score) as min_rule_score,
        max(rule_score) as max_rule_score
    from joined
    group by split, user_id
),

final as (
    select
        joined.split,
        joined.user_id,
        joined.trainer_id,
        joined.candidate_source,
        joined.model_id,
        joined.rule_reasons,
        round(joined.model_score, 12) as model_score,
        round(joined.rule_score, 9) as rule_score,
        round(
            {{ min_max_scaled('joined.model_score', 'score_ranges.min_model_score', 'score_ranges.max_model_score') }},
            12
        ) as model_score_scaled,
        round(
            {{ min_max_scaled('joined.rule_score', 'score_ranges.min_rule_score', 'score_ranges.max_rule_score') }},
            12
        ) as rule_score_scaled,
        joined.target_week
    from joined
    inner join score_ranges
        on
            joined.split = score_ranges.split
            and joined.user_id = score_ranges.user_id
)

select * from final
