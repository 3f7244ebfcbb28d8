{#- Per trainer, as of `int_cold_start_as_of`: how often their sessions are abandoned (started but
    never completed by the as-of day) and how often their feedback is a dislike, both smoothed by
    the Beta prior so a trainer with three sessions cannot look perfect or terrible. A trainer is
    flagged when a smoothed rate passes its threshold var and they have enough sessions. -#}

with

trainers as (
    select * from {{ ref('stg_platform__trainers') }}
),

workouts as (
    select * from {{ ref('stg_platform__workouts') }}
),

sessions as (
    select * from {{ ref('stg_platform__sessions') }}
),

feedback as (
    select * from {{ ref('stg_platform__feedback') }}
),

as_of as (
    select * from {{ ref('int_cold_start_as_of') }}
),

sessions_as_of as (
    select
        sessions.workout_id,
        case when sessions.is_completed and sessions.completed_at < as_of.as_of_end_at then 0 else 1 end
            as is_abandoned
    from sessions
    inner join as_of
        on sessions.started_at < as_of.as_of_end_at
),

session_counts as (
    select
        workouts.trainer_id,
        count(*) as sessions,
        {{ count_sum('sessions_as_of.is_abandoned') }} as abandoned_sessions
    from sessions_as_of
    inner join workouts
        on sessions_as_of.workout_id = workouts.workout_id
    group by workouts.trainer_id
),

feedback_counts as (
    select
        workouts.trainer_id,
        count(*) as feedbacks,
        {{ count_sum('case when feedback.is_liked then 0 else 1 end') }} as dislikes
    from feedback
    inner join as_of
        on feedback.feedback_at < as_of.as_of_end_at
    inner join workouts
        on feedback.workout_id = workouts.workout_id
    group by workouts.trainer_id
),

rated as (
    select
        trainers.trainer_id,
        trainers.trainer_name,
        coalesce(session_counts.sessions, 0) as sessions,
        coalesce(session_counts.abandoned_sessions, 0) as abandoned_sessions,
        coalesce(feedback_counts.feedbacks, 0) as feedbacks,
        coalesce(feedback_counts.dislikes, 0) as dislikes,
        {{ beta_smoothed('session_counts.abandoned_sessions', 'session_counts.sessions') }}
            as abandonment_rate_smoothed,
        {{ beta_smoothed('feedback_counts.dislikes', 'feedback_counts.feedbacks') }} as dislike_rate_smoothed
    from trainers
    left join session_counts
        on trainers.trainer_id = session_counts.trainer_id
    left join feedback_counts
        on trainers.trainer_id = feedback_counts.trainer_id
),

judged as (
    select
        *,
        sessions >= {{ var('instructor_min_sessions') }} as has_enough_sessions,
        abandonment_rate_smoothed > {{ var('instructor_max_abandonment_rate') }} as is_abandonment_high,
        dislike_rate_smoothed > {{ var('instructor_max_dislike_rate') }} as is_dislike_high,
        {{ percent_text('abandonment_rate_smoothed') }} as abandonment_text,
        {{ percent_text('dislike_rate_smoothed') }} as dislike_text
    from rated
),

final as (
    select
        trainer_id,
        trainer_name,
        case
            when not has_enough_sessions
                then concat(
                    'not judged: ', cast(sessions as {{ dbt.type_string() }}),
                    ' sessions, fewer than the {{ var("instructor_min_sessions") }} needed'
                )
            when is_abandonment_high or is_dislike_high
                then concat_ws(
                    '; ',
                    case
                        when is_abandonment_high
                            then concat(
                                'abandoned in ', abandonment_text, ' of ', cast(sessions as {{ dbt.type_string() }}),
                                ' sessions (limit {{ (100 * var("instructor_max_abandonment_rate")) | round | int }}%)'
                            )
                    end,
                    case
                        when is_dislike_high
                            then concat(
                                'disliked in ', dislike_text, ' of ', cast(feedbacks as {{ dbt.type_string() }}),
                                ' feedbacks (limit {{ (100 * var("instructor_max_dislike_rate")) | round | int }}%)'
                            )
                    end
                )
            else concat('within limits: abandonment ', abandonment_text, ', dislikes ', dislike_text)
        end as reason,
        sessions,
        abandoned_sessions,
        feedbacks,
        dislikes,
        abandonment_rate_smoothed,
        dislike_rate_smoothed,
        has_enough_sessions and (is_abandonment_high or is_dislike_high) as is_flagged
    from judged
)

select * from final
