{{ rejected_rows(ref('base_platform__bookings_checked')) }}
