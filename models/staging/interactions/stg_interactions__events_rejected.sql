{{ rejected_rows(ref('base_interactions__events_checked')) }}
