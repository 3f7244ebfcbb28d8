{#- Who could be recommended to whom, per target week: bounded per user (never users x trainers).
    Sources, in order:
      goal_match  trainers whose specialities serve the user's goal (top `max_goal_candidates`
                  by recency-weighted popularity);
      history     trainers the user engaged with or was shown before T (top
                  `max_history_candidates` by recent engagement);
      backfill    the most popular trainers, added until the user has `min_candidates_per_user`;
      collaborative  trainers that people who engaged with the user's trainers also engaged with
                  (top `max_collaborative_candidates` by item-kNN similarity as of T-1,
                  `ml_trainer_collaborative_candidates`), added on top when no other source has
                  them (so the other sources are the same with or without it; none on the
                  `spark` target, which runs no Python models).
    Training, validation and serving use the same candidates, so validation is serve-style. -#}

with

users as (
    select * from {{ ref('int_user_features_as_of') }}
),

trainers as (
    select * from {{ ref('int_trainer_features_as_of') }}
),

goals as (
    select * from {{ ref('goals') }}
),

trainer_specialities as (
    select * from {{ ref('stg_platform__trainer_specialities') }}
),

pair_history as (
    select * from {{ ref('int_user_trainer_features_as_of') }}
),

collaborative as (
    {% if python_stages_enabled() -%}
        select
            cast(target_week as date) as target_week,
            user_id,
            trainer_id,
            cf_similarity,
            cf_rank
        from {{ ref('ml_trainer_collaborative_candidates') }}
    {%- else -%}
        select
            cast(null as date) as target_week,
            cast(null as {{ dbt.type_string() }}) as user_id,
            cast(null as {{ dbt.type_string() }}) as trainer_id,
            cast(null as double) as cf_similarity,
            cast(null as bigint) as cf_rank
        where false
    {%- endif %}
),

goal_matched as (
    select
        users.target_week,
        users.user_id,
        trainers.trainer_id,
        1 as source_priority,
        row_number() over (
            partition by users.target_week, users.user_id
            order by trainers.trainer_popularity_rank
        ) as rank_in_source
    from users
    inner join goals
        on users.goal = goals.goal
    inner join trainer_specialities
        on goals.speciality = trainer_specialities.speciality
    inner join trainers
        on
            trainer_specialities.trainer_id = trainers.trainer_id
            and users.target_week = trainers.target_week
),

from_history as (
    select
        pair_history.target_week,
        pair_history.user_id,
        pair_history.trainer_id,
        2 as source_priority,
        row_number() over (
            partition by pair_history.target_week, pair_history.user_id
            order by
                pair_history.pair_clicks_decayed + pair_history.pair_video_views_decayed desc,
                pair_history.pair_impressions_decayed desc,
                pair_history.trainer_id asc
        ) as rank_in_source
    from pair_history
    inner join trainers
        on
            pair_history.trainer_id = trainers.trainer_id
            and pair_history.target_week = trainers.target_week
),

from_collaborative as (
    select
        collaborative.target_week,
        collaborative.user_id,
        collaborative.trainer_id,
        collaborative.cf_rank
    from collaborative
    inner join users
        on
            collaborative.user_id = users.user_id
            and collaborative.target_week = users.target_week
    inner join trainers
        on
            collaborative.trainer_id = trainers.trainer_id
            and collaborative.target_week = trainers.target_week
),

popular as (
    select
        users.target_week,
        users.user_id,
        trainers.trainer_id,
        3 as source_priority,
        trainers.trainer_popularity_rank as rank_in_source
    from users
    inner join trainers
        on
            users.target_week = trainers.target_week
            and trainers.trainer_popularity_rank <= {{ var('min_candidates_per_user') }}
),

all_sources as (
    select * from goal_matched
    where rank_in_source <= {{ var('max_goal_candidates') }}
    union all
    select * from from_history
    where rank_in_source <= {{ var('max_history_candidates') }}
    union all
    select * from popular
),

best_source_per_pair as (
    select
        target_week,
        user_id,
        trainer_id,
        min(source_priority) as source_priority,
        min(case when source_priority = 3 then rank_in_source end) as popularity_rank
    from all_sources
    group by target_week, user_id, trainer_id
),

ordered as (
    select
        *,
        row_number() over (
            partition by target_week, user_id
            order by source_priority, popularity_rank, trainer_id
        ) as candidate_order
    from best_source_per_pair
),

base as (
    select
        user_id,
        trainer_id,
        case source_priority
            when 1 then 'goal_match'
            when 2 then 'history'
            else 'backfill'
        end as candidate_source,
        target_week
    from ordered
    where source_priority < 3 or candidate_order <= {{ var('min_candidates_per_user') }}
),

collaborative_added as (
    select
        from_collaborative.user_id,
        from_collaborative.trainer_id,
        'collaborative' as candidate_source,
        from_collaborative.target_week
    from from_collaborative
    left join base
        on
            from_collaborative.target_week = base.target_week
            and from_collaborative.user_id = base.user_id
            and from_collaborative.trainer_id = base.trainer_id
    where
        from_collaborative.cf_rank <= {{ var('max_collaborative_candidates') }}
        and base.trainer_id is null
),

final as (
    select * from base
    union all
    select * from collaborative_added
)

select * from final
