{#- One row: what shapes the ranker's training examples besides the data (see the
    `shaping_settings` macro). The ranker registry retrains when `feature_fingerprint` changes. -#}
{%- set settings = shaping_settings('model.' ~ project_name ~ '.int_trainer_ranking_examples') %}

with

settings as (
    select
        {{ string_literal(settings['fingerprint']) }} as feature_fingerprint,
        {{ string_literal(tojson(settings['vars'], sort_keys=true)) }} as feature_vars
)

select * from settings
