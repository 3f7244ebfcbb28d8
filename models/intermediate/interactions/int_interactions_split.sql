{#- Every valid interaction with its split. Interactions at the same time are ordered as they are
    in the log (`log_row`), never by their ids, so a relabelling of ids gives the same split, as a
    stable sort by time does. Vars: `interactions_split` =
    - `per_user` (default): each user's interactions sorted by (event_at, log_row); the last
      n_test = max(1, round(interactions_test_fraction * n)) are test, capped at n - 1 (round half
      away from zero; a user with one interaction is all train);
    - `last1`: n_test = 1 (leave-last-one-out, capped at n - 1 the same way);
    - `global`: test = everything at or after `interactions_cut_at`, which also removes the
      cross-user leak of per-user splits (a user's train can be later than another's test).
    Train rows are split again by the same rule into `fit` and `validation` (`inner_split`): models
    are chosen and the re-ranker trained on that inner split, never on the test rows. In global
    mode the inner cut is the time with `interactions_test_fraction` of train rows at or after it. -#}

with

events as (
    select * from {{ ref('stg_interactions__events') }}
),

sequenced as (
    select
        *,
        row_number() over (partition by user_id order by event_at, log_row) as user_seq,
        count(*) over (partition by user_id) as user_interactions
    from events
),

{% if var('interactions_split') == 'global' -%}
    outer_split as (
        select
            *,
            case
                when event_at >= cast('{{ var("interactions_cut_at") }}' as timestamp) then 'test' else 'train'
            end as split
        from sequenced
    ),

    inner_cut as (
        select {{ timestamp_quantile('event_at', '1 - ' ~ var('interactions_test_fraction')) }} as inner_cut_at
        from outer_split
        where split = 'train'
    ),

    both_splits as (
        select
            outer_split.*,
            case
                when outer_split.split = 'test' then null
                when outer_split.event_at >= inner_cut.inner_cut_at then 'validation'
                else 'fit'
            end as inner_split
        from outer_split
        cross join inner_cut
    ),
{%- else -%}
    outer_counts as (
        select
            *,
            least(
                {% if var('interactions_split') == 'last1' -%}
                    1
                {%- else -%}
                    greatest(1, cast(round({{ var('interactions_test_fraction') }} * user_interactions) as integer))
                {%- endif %},
                user_interactions - 1
            ) as n_test
        from sequenced
    ),

    inner_counts as (
        select
            *,
            user_interactions - n_test as n_train,
            least(
                {% if var('interactions_split') == 'last1' -%}
                    1
                {%- else -%}
                    greatest(
                        1,
                        cast(
                            round({{ var('interactions_test_fraction') }} * (user_interactions - n_test)) as integer
                        )
                    )
                {%- endif %},
                user_interactions - n_test - 1
            ) as n_validation
        from outer_counts
    ),

    both_splits as (
        select
            user_id,
            item_id,
            rating,
            weight,
            event_at,
            log_row,
            user_seq,
            user_interactions,
            case when user_seq > user_interactions - n_test then 'test' else 'train' end as split,
            case
                when user_seq > user_interactions - n_test then null
                when user_seq > n_train - n_validation then 'validation'
                else 'fit'
            end as inner_split
        from inner_counts
    ),
{%- endif %}

final as (
    select
        user_id,
        item_id,
        split,
        inner_split,
        rating,
        weight,
        user_seq,
        user_interactions,
        event_at,
        log_row
    from both_splits
)

select * from final
