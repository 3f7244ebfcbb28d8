{{ rejected_rows(ref('base_platform__trainers_checked')) }}
