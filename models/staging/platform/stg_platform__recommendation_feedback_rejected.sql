{{ rejected_rows(ref('base_platform__recommendation_feedback_checked')) }}
