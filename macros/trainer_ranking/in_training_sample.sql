{#- True when a user's rows for a target week belong in the build: always for the serve week;
    for training and validation weeks only for a seeded sample of users, at the week's
    `user_sample_rate` (int_target_weeks: max_training_users / users, capped at 1). Rows of one
    user are kept or dropped together, so query groups stay whole. -#}
{% macro in_training_sample(user_expr, target_weeks_alias) -%}
    (
        {{ target_weeks_alias }}.split = 'serve'
        or {{ target_weeks_alias }}.user_sample_rate >= 1
        or {{ stable_hash_unit(user_expr ~ " || '|training-sample'") }} < {{ target_weeks_alias }}.user_sample_rate
    )
{%- endmacro %}
