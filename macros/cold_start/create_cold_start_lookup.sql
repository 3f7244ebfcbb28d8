{#- Creates `<marts schema>.cold_start_recommendations(age_group, fitness_level, preferred_types)`,
    a DuckDB table macro an app can call for a new user's profile:

        select * from marts.cold_start_recommendations('26-35', 'Advanced', ['yoga', 'hiit']);

    It merges the profile's segment lists exactly as `fct_user_cold_start_recommendations` does
    (round-robin over the segments, ties by relevance then workout id). Matching ignores case and
    surrounding spaces; an empty list of types means every type of that age x level. An unknown
    age group or level returns no rows. Engines without table macros (Spark) skip this step:
    query `fct_segment_recommendations` directly there. -#}
{% macro create_cold_start_lookup() -%}
    {{ return(adapter.dispatch('create_cold_start_lookup', 'recwarehouse')()) }}
{%- endmacro %}

{% macro default__create_cold_start_lookup() -%}
    select 1 as lookup_macro_not_supported_on_this_engine
{%- endmacro %}

{% macro duckdb__create_cold_start_lookup() -%}
    create or replace macro {{ this.schema }}.cold_start_recommendations(
        profile_age_group, profile_fitness_level, profile_preferred_types
    ) as table
    with profile_segments as (
        select segments.segment_key
        from {{ ref('int_segments_enumerated') }} as segments
        where
            segments.age_group = trim(profile_age_group)
            and lower(segments.fitness_level) = lower(trim(profile_fitness_level))
            and (
                len(profile_preferred_types) = 0
                or list_contains(
                    list_transform(profile_preferred_types, x -> lower(trim(x))), segments.preferred_type
                )
            )
    ),
    merged as (
        select
            lists.workout_id,
            lists.workout_title,
            lists.workout_type,
            lists.trainer_id,
            lists.trainer_name,
            min(lists.rank) as best_segment_rank,
            max(lists.relevance) as best_relevance,
            count(*) as segments_listing
        from profile_segments
        inner join {{ ref('fct_segment_recommendations') }} as lists
            on profile_segments.segment_key = lists.segment_key
        group by lists.workout_id, lists.workout_title, lists.workout_type, lists.trainer_id, lists.trainer_name
    )
    select
        row_number() over (order by best_segment_rank, best_relevance desc, workout_id) as rank,
        workout_id,
        workout_title,
        workout_type,
        trainer_id,
        trainer_name,
        best_segment_rank,
        best_relevance,
        segments_listing
    from merged
    order by rank
    limit {{ var('segment_list_size') }}
{%- endmacro %}
