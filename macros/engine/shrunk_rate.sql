{#- A rate shrunk towards a prior rate (usually the platform's) by `strength` pseudo-observations:
    (successes + strength * prior_rate) / (trials + strength), the posterior mean under a Beta
    prior with that mean and strength (`beta_smoothed`, the warehouse's one smoothing formula).
    With few trials it stays near the prior; with many it is the observed rate. -#}
{% macro shrunk_rate(successes, trials, prior_rate, strength) -%}
    {{ beta_smoothed(successes, trials,
        alpha='(' ~ strength ~ ') * coalesce(' ~ prior_rate ~ ', 0)',
        beta='(' ~ strength ~ ') * (1 - coalesce(' ~ prior_rate ~ ', 0))') }}
{%- endmacro %}
