{%- if python_stages_enabled() -%}
    {%- set mode = resolve_recommendation_mode(ref('ml_ranker_registry')) -%}
{%- else -%}
    {%- set mode = 'rule_based' -%}
    {%- if execute and var('recommendation_mode') != 'rule_based' -%}
        {{ log("recommendation_mode=" ~ var('recommendation_mode') ~ ": target " ~ target.name
            ~ " runs no Python models (no trained ranker); serving rule_based", info=true) }}
    {%- endif -%}
{%- endif %}

{#- The base stage's score of every validation- and serve-week candidate under the mode in use
    (see `resolve_recommendation_mode`): `rule_based` = the rule score, `model` = the model score,
    `ensemble` = ensemble_rule_weight * rule + (1 - ensemble_rule_weight) * model. Both scores are
    put on one scale first: min-max within the user's candidates (0.5 when all are equal). On a
    target without Python models (Spark) there are no model scores and the mode is rule_based. -#}

{% if python_stages_enabled() -%}
-- depends_on: {{ ref('ml_ranker_registry') }}
{%- endif %}

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
        model_scores.model_id,
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

scaled as (
    select
        joined.*,
        {{ min_max_scaled('joined.model_score', 'score_ranges.min_model_score', 'score_ranges.max_model_score') }}
            as model_score_scaled,
        {{ min_max_scaled('joined.rule_score', 'score_ranges.min_rule_score', 'score_ranges.max_rule_score') }}
            as rule_score_scaled
    from joined
    inner join score_ranges
        on
            joined.split = score_ranges.split
            and joined.user_id = score_ranges.user_id
),

blended as (
    select
        *,
        {% if mode == 'rule_based' -%}
            rule_score_scaled
        {%- elif mode == 'model' -%}
            model_score_scaled
        {%- else -%}
            {{ var('ensemble_rule_weight') }} * rule_score_scaled
            + (1 - {{ var('ensemble_rule_weight') }}) * model_score_scaled
        {%- endif %} as final_score
    from scaled
),

final as (
    select
        split,
        user_id,
        trainer_id,
        candidate_source,
        {{ "cast(null as " ~ dbt.type_string() ~ ")" if mode == 'rule_based' else 'model_id' }} as model_id,
        '{{ mode }}' as mode_used,
        rule_reasons,
        round(model_score, 12) as model_score,
        round(rule_score, 9) as rule_score,
        round(model_score_scaled, 12) as model_score_scaled,
        round(rule_score_scaled, 12) as rule_score_scaled,
        round(final_score, 12) as final_score,
        row_number() over (partition by split, user_id order by final_score desc, trainer_id asc) as base_rank,
        target_week
    from blended
)

select * from final
