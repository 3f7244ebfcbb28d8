{#- The served list: for the serve week, exactly K distinct trainers per known user, ranked by
    the base stage's score under the mode in use (`recommendation_mode`: rule_based, model or
    ensemble; `mode_used` records what served, after any fallback). With exploration_rate > 0, a
    seeded share of users get a random goal-matched trainer (not already listed) in slot K,
    marked `is_exploration`. `reasons` says why in words, in every mode; `caveats` says what
    people complained about this month when it stands out (`int_trainer_feedback_as_of`). -#}

with

scores as (
    select * from {{ ref('int_trainer_scores_blended') }}
    where split = 'serve'
),

examples as (
    select * from {{ ref('int_trainer_ranking_examples') }}
    where split = 'serve'
),

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

trainer_feedback as (
    select * from {{ ref('int_trainer_feedback_as_of') }}
),

trainer_specialities as (
    select
        trainer_id,
        {{ sorted_text_list("replace(speciality, '_', ' ')") }} as trainer_specialities
    from {{ ref('stg_platform__trainer_specialities') }}
    group by trainer_id
),

{# one draw per user decides who explores; only explorers need candidates past rank K #}
exploring_users as (
    select user_id
    from (select distinct user_id from scores) as served_users
    where {{ stable_hash_unit("user_id || '|explore'") }} < {{ var('exploration_rate') }}
),

{# in the served order (`served_rank`: final score, then trainer id, after any exposure cap): every user's top K,
   and every candidate of an exploring user #}
scored_candidates as (
    select
        examples.user_id,
        examples.trainer_id,
        examples.candidate_source,
        examples.user_goal,
        scores.model_id,
        scores.mode_used,
        scores.rule_reasons,
        scores.model_score,
        scores.rule_score,
        scores.final_score as score,
        examples.goal_match,
        examples.pair_video_views,
        examples.pair_mean_watch_fraction,
        examples.pair_engaged_weeks,
        examples.type_match_share,
        examples.trainer_last_week_rank,
        examples.trainer_like_rate_smoothed,
        examples.target_week as serve_week,
        scores.served_rank as model_rank
    from scores
    inner join examples
        on
            scores.user_id = examples.user_id
            and scores.trainer_id = examples.trainer_id
    where
        scores.served_rank <= {{ var('k') }}
        or scores.user_id in (select exploring_users.user_id from exploring_users)
),

exploration_picks as (
    select
        scored_candidates.user_id,
        scored_candidates.trainer_id,
        row_number() over (
            partition by scored_candidates.user_id
            order by
                {{ stable_hash_unit("scored_candidates.user_id || '|' || scored_candidates.trainer_id") }},
                scored_candidates.trainer_id
        ) as pick_order
    from scored_candidates
    inner join exploring_users
        on scored_candidates.user_id = exploring_users.user_id
    where scored_candidates.goal_match = 1 and scored_candidates.model_rank >= {{ var('k') }}
),

slotted as (
    select
        scored_candidates.*,
        exploration_picks.user_id is not null as is_exploration,
        case
            when exploration_picks.user_id is not null then {{ var('k') }}
            when users_with_a_pick.user_id is not null and scored_candidates.model_rank >= {{ var('k') }} then null
            else scored_candidates.model_rank
        end as slot
    from scored_candidates
    left join exploration_picks
        on
            scored_candidates.user_id = exploration_picks.user_id
            and scored_candidates.trainer_id = exploration_picks.trainer_id
            and exploration_picks.pick_order = 1
    left join exploration_picks as users_with_a_pick
        on
            scored_candidates.user_id = users_with_a_pick.user_id
            and users_with_a_pick.pick_order = 1
    where scored_candidates.model_rank <= {{ var('k') }} or exploration_picks.user_id is not null
),

named as (
    select
        slotted.*,
        trainers.trainer_name,
        trainer_specialities.trainer_specialities,
        trainer_feedback.feedback_reason
    from slotted
    inner join trainers
        on slotted.trainer_id = trainers.trainer_id
    left join trainer_feedback
        on
            slotted.trainer_id = trainer_feedback.trainer_id
            and slotted.serve_week = trainer_feedback.target_week
    left join trainer_specialities
        on slotted.trainer_id = trainer_specialities.trainer_id
    where slotted.slot <= {{ var('k') }}
),

final as (
    select
        user_id,
        cast(slot as integer) as rank,
        trainer_id,
        trainer_name,
        trainer_specialities,
        score,
        coalesce(nullif(concat_ws(
            '; ',
            case when is_exploration then 'something new to try, picked at random among trainers for your goal' end,
            case when goal_match = 1 then 'matches your goal: ' || replace(user_goal, '_', ' ') end,
            case
                when pair_video_views > 0 and pair_mean_watch_fraction >= 0.5
                    then 'you watched ' || cast(round(100 * pair_mean_watch_fraction) as integer) || '% of their videos'
            end,
            case when pair_video_views = 0 and pair_engaged_weeks > 0 then 'you checked them out before' end,
            case when type_match_share >= 0.5 then 'teaches the workout types you prefer' end,
            case when trainer_last_week_rank <= 10 then 'popular this week' end,
            case when trainer_like_rate_smoothed >= 0.7 then 'highly liked by their clients' end,
            case when candidate_source = 'backfill' and goal_match = 0 then 'popular on the platform' end,
            case
                when candidate_source = 'collaborative'
                    then 'people who engaged with your trainers also engaged with them'
            end,
            case
                when candidate_source = 'history' and pair_engaged_weeks = 0 and mode_used != 'rule_based'
                    then 'shown to you before; the model expects you to like them'
            end,
            case
                when mode_used = 'rule_based' then rule_reasons
                when mode_used = 'ensemble' then split_part(rule_reasons, '; ', 1)
            end
        ), ''), 'ranked for you from your recent activity') as reasons,
        {#- what people complained about this month, when it stands out: beside the reasons, not among them #}
        feedback_reason as caveats,
        candidate_source,
        mode_used,
        model_id,
        model_score,
        rule_score,
        is_exploration,
        serve_week
    from named
)

select * from final
