{{ rejected_rows(ref('base_platform__feedback_checked')) }}
