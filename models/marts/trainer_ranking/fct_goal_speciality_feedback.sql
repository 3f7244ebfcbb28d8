{#- The goal map (`goals` seed) reviewed against what people say: per (user goal, trainer
    speciality), the feedback people with that goal gave on recommended trainers with that
    speciality, and how often it was `wrong_speciality`. For a pair the map does not match, only
    trainers the map does not match with the goal through another speciality count (a strength
    and endurance trainer says nothing about endurance for strength goals). The rejection rate is
    Beta-smoothed (`beta_smoothed`). A pair is compared with the midpoint between the mean rate of the pairs
    the goal map matches and of those it does not:
    - in the goal map but rejected above the midpoint: the map or a synonym may be wrong;
    - not in the goal map but rejected below it: people accept it, a candidate for the map;
    - fewer than `feedback_review_min_feedback` pieces of feedback: too little to tell.
    `terms_typed` shows how the trainers concerned typed the speciality, for the synonym review. -#}

with

feedback as (
    select * from {{ ref('stg_platform__recommendation_feedback') }}
),

users as (
    select * from {{ ref('stg_platform__users') }}
),

trainer_specialities as (
    select * from {{ ref('stg_platform__trainer_specialities') }}
),

goals as (
    select * from {{ ref('goals') }}
),

goal_matched_trainers as (
    select distinct
        goals.goal,
        trainer_specialities.trainer_id
    from goals
    inner join trainer_specialities
        on goals.speciality = trainer_specialities.speciality
),

said_per_pair as (
    select
        users.goal,
        trainer_specialities.speciality,
        count(*) as feedback_given,
        {{ count_sum("case when feedback.feedback_type = 'wrong_speciality' then 1 else 0 end") }}
            as wrong_speciality_said,
        count(distinct feedback.trainer_id) as trainers,
        {{ sorted_text_list('trainer_specialities.raw_term') }} as terms_typed
    from feedback
    inner join users
        on feedback.user_id = users.user_id
    inner join trainer_specialities
        on feedback.trainer_id = trainer_specialities.trainer_id
    left join goals
        on
            users.goal = goals.goal
            and trainer_specialities.speciality = goals.speciality
    left join goal_matched_trainers
        on
            users.goal = goal_matched_trainers.goal
            and feedback.trainer_id = goal_matched_trainers.trainer_id
    where goals.goal is not null or goal_matched_trainers.trainer_id is null
    group by users.goal, trainer_specialities.speciality
),

rated as (
    select
        said_per_pair.*,
        goals.goal is not null as is_goal_match,
        {{ beta_smoothed('said_per_pair.wrong_speciality_said', 'said_per_pair.feedback_given') }}
            as wrong_speciality_rate_smoothed,
        said_per_pair.feedback_given >= {{ var('feedback_review_min_feedback') }} as has_enough_feedback
    from said_per_pair
    left join goals
        on
            said_per_pair.goal = goals.goal
            and said_per_pair.speciality = goals.speciality
),

midpoint as (
    select
        (
            {{ stable_avg('case when is_goal_match then wrong_speciality_rate_smoothed end') }}
            + {{ stable_avg('case when not is_goal_match then wrong_speciality_rate_smoothed end') }}
        ) / 2 as midpoint_rate
    from rated
    where has_enough_feedback
),

final as (
    select
        rated.goal,
        rated.speciality,
        rated.is_goal_match,
        rated.feedback_given,
        rated.wrong_speciality_said,
        round(rated.wrong_speciality_rate_smoothed, 9) as wrong_speciality_rate_smoothed,
        round(midpoint.midpoint_rate, 9) as midpoint_rate,
        case
            when not rated.has_enough_feedback then 'too little feedback to tell'
            when midpoint.midpoint_rate is null then 'no matched or unmatched pairs to compare with'
            when rated.is_goal_match and rated.wrong_speciality_rate_smoothed > midpoint.midpoint_rate
                then 'in the goal map, but people reject it: check the goal map and the synonyms'
            when not rated.is_goal_match and rated.wrong_speciality_rate_smoothed < midpoint.midpoint_rate
                then 'not in the goal map, yet people rarely reject it: a candidate for the goal map'
            else 'as the goal map says'
        end as review,
        rated.trainers,
        rated.terms_typed
    from rated
    cross join midpoint
)

select * from final
