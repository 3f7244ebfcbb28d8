{{ rejected_rows(ref('base_platform__events_checked')) }}
