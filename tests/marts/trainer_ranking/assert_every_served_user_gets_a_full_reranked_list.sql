-- Every user in the serve week's base stage gets exactly rerank_list_size re-ranked trainers
-- (every user has at least min_candidates_per_user >= rerank_list_size candidates), ranks 1..N.
with

base as (
    select distinct user_id from {{ ref('int_trainer_rerank_candidates') }}
    where split = 'serve'
),

reranked as (
    select * from {{ ref('fct_trainer_recommendations_reranked') }}
    where split = 'serve'
),

per_user as (
    select
        base.user_id,
        count(reranked.trainer_id) as n_rows,
        max(reranked.rank) as max_rank
    from base
    left join reranked
        on base.user_id = reranked.user_id
    group by base.user_id
)

select * from per_user
where
    n_rows != least({{ var('rerank_list_size') }}, {{ var('min_candidates_per_user') }})
    or max_rank != least({{ var('rerank_list_size') }}, {{ var('min_candidates_per_user') }})
