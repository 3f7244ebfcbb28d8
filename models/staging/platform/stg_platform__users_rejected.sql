{{ rejected_rows(ref('base_platform__users_checked')) }}
