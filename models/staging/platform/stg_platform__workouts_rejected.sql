{{ rejected_rows(ref('base_platform__workouts_checked')) }}
