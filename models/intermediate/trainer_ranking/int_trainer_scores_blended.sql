{#- The base stage's score of every validation- and serve-week candidate under the serving choice
    of `ml_serving_selection` (var `recommendation_mode`; default `auto`: the rule weight whose
    lists as served have the best validation NDCG@K):
    final_score = rule_weight * rule_score_scaled + model_weight * model_score_scaled, a missing
    score as 0, and `base_rank` orders it within the user (ties: trainer id). The same formula,
    in the same order of operations, as `recwarehouse.trainer_ranking.serving.final_scores`, so
    the lists evaluated there are the lists served here. On a target without Python models
    (Spark) the rule score serves alone.

    `served_rank` is the rank users get. Without an exposure cap (var `max_trainer_list_share`
    null, the default) it is `base_rank`. With a cap c, each trainer may fill at most
    ceil(c x users of the split) lists: its slots go first to the users who rank it highest
    (base_rank, then final score; ties by a seeded hash of user and trainer, so users who rank
    alike win different trainers' slots). A user's candidates within the cap come first, in base
    order, so the next best candidate fills the place of one that was not given a slot. A list is
    never cut short: a user with fewer than K candidates within the cap is filled with their best
    ones beyond it (`is_within_exposure_cap` false). One pass, deterministic, the same SQL on
    Spark. -#}
{%- set exposure_cap = var('max_trainer_list_share') %}

{%- if not python_stages_enabled() and execute and var('recommendation_mode') != 'rule_based' %}
    {{ log("recommendation_mode=" ~ var('recommendation_mode') ~ ": target " ~ target.name
        ~ " runs no Python models (no trained ranker); serving rule_based", info=true) }}
{%- endif %}

with

scaled as (
    select * from {{ ref('int_trainer_scores_scaled') }}
),

selection as (
    {% if python_stages_enabled() -%}
        select
            rule_weight,
            model_weight,
            mode as mode_used
        from {{ ref('ml_serving_selection') }}
        where is_selected
    {%- else -%}
        select
            cast(1 as double) as rule_weight,
            cast(0 as double) as model_weight,
            'rule_based' as mode_used
    {%- endif %}
),

blended as (
    select
        scaled.*,
        selection.mode_used,
        selection.rule_weight * coalesce(scaled.rule_score_scaled, 0)
        + selection.model_weight * coalesce(scaled.model_score_scaled, 0) as final_score
    from scaled
    cross join selection
),

ranked as (
    select
        blended.*,
        round(blended.final_score, 12) as final_score_rounded,
        row_number() over (
            partition by blended.split, blended.user_id order by blended.final_score desc, blended.trainer_id asc
        ) as base_rank
    from blended
),

split_users as (
    select
        split,
        count(distinct user_id) as users
    from ranked
    group by split
),

{# a trainer's slots go first to the users who rank it highest -#}
claims as (
    select
        ranked.*,
        {% if exposure_cap is none -%}
            true
        {%- else -%}
            row_number() over (
                partition by ranked.split, ranked.trainer_id
                order by
                    ranked.base_rank asc,
                    ranked.final_score desc,
                    {{ stable_hash_unit("ranked.user_id || '|cap|' || ranked.trainer_id") }} asc,
                    ranked.user_id asc
            ) <= ceil({{ exposure_cap }} * split_users.users)
        {%- endif %} as is_within_cap
    from ranked
    inner join split_users
        on ranked.split = split_users.split
),

capped as (
    select
        *,
        {% if exposure_cap is none -%}
            base_rank
        {%- else -%}
            row_number() over (partition by split, user_id order by is_within_cap desc, base_rank asc)
        {%- endif %} as served_rank
    from claims
),

final as (
    select
        split,
        user_id,
        trainer_id,
        candidate_source,
        case when mode_used = 'rule_based' then cast(null as {{ dbt.type_string() }}) else model_id end as model_id,
        mode_used,
        rule_reasons,
        model_score,
        rule_score,
        model_score_scaled,
        rule_score_scaled,
        final_score_rounded as final_score,
        base_rank,
        served_rank,
        is_within_cap as is_within_exposure_cap,
        target_week
    from capped
)

select * from final
