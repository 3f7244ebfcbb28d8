{{ rejected_rows(ref('base_platform__sessions_checked')) }}
