{#- The MMR candidates of every segment in `int_segments_enumerated`: its own top
    `segment_candidates` workouts with evidence (at least one session in the segment). A sparse
    segment (fewer than `segment_list_size` such workouts) keeps all of its own and is filled from
    its parents in order (age x level, then level, then everyone) up to `segment_candidates`; each
    row says which pool it came from (`source_level`, tier 0..3). A workout found at two levels
    keeps the nearest one. -#}

with

segments as (
    select * from {{ ref('int_segments_enumerated') }}
),

scored as (
    select * from {{ ref('int_segment_workouts_scored') }}
),

evidenced as (
    select * from scored
    where has_evidence or pool_level = 'everyone'
),

own_counts as (
    select
        pool_key as segment_key,
        count(*) as evidenced_workouts
    from evidenced
    where pool_level = 'segment'
    group by pool_key
),

tiers as (
    select
        segments.segment_key,
        0 as tier,
        segments.segment_key as pool_key
    from segments
    union all
    select
        segments.segment_key,
        1 as tier,
        segments.age_level_key as pool_key
    from segments
    union all
    select
        segments.segment_key,
        2 as tier,
        segments.level_key as pool_key
    from segments
    union all
    select
        segments.segment_key,
        3 as tier,
        '*' as pool_key
    from segments
),

candidates as (
    select
        tiers.segment_key,
        tiers.tier,
        evidenced.*
    from tiers
    inner join evidenced
        on tiers.pool_key = evidenced.pool_key
    left join own_counts
        on tiers.segment_key = own_counts.segment_key
    where
        evidenced.pool_rank <= {{ var('segment_candidates') }}
        -- parents only fill sparse segments
        and (tiers.tier = 0 or coalesce(own_counts.evidenced_workouts, 0) < {{ var('segment_list_size') }})
),

nearest_tier as (
    select
        *,
        row_number() over (partition by segment_key, workout_id order by tier) as tier_order
    from candidates
),

ordered as (
    select
        *,
        row_number() over (partition by segment_key order by tier, pool_rank) as candidate_order
    from nearest_tier
    where tier_order = 1
),

final as (
    select
        segment_key,
        workout_id,
        trainer_id,
        pool_level as source_level,
        pool_key as source_pool_key,
        tier,
        candidate_order,
        pool_rank,
        views,
        completions,
        feedbacks,
        likes,
        days_old,
        p_completion,
        p_like,
        views_norm,
        base_score,
        freshness,
        instructor_factor,
        score,
        relevance,
        is_instructor_flagged
    from ordered
    where candidate_order <= {{ var('segment_candidates') }}
)

select * from final
