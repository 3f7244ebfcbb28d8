{#- A rate shrunk towards a prior rate (usually the platform's) by `strength` pseudo-observations:
    (successes + strength * prior_rate) / (trials + strength). With few trials it stays near the
    prior; with many it is the observed rate. -#}
{% macro shrunk_rate(successes, trials, prior_rate, strength) -%}
    (cast(coalesce({{ successes }}, 0) as double) + {{ strength }} * coalesce({{ prior_rate }}, 0))
    / (coalesce({{ trials }}, 0) + {{ strength }})
{%- endmacro %}
