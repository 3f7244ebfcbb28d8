{#- Posterior mean of a rate under a Beta(alpha, beta) prior: (successes + alpha) / (trials + alpha + beta).
    The prior defaults to the segment_prior_alpha / segment_prior_beta vars, so one pair of vars
    smooths every rate in the warehouse; zero trials give the prior mean, never a division by 0. -#}
{% macro beta_smoothed(successes, trials, alpha=none, beta=none) -%}
    {%- set a = var('segment_prior_alpha') if alpha is none else alpha -%}
    {%- set b = var('segment_prior_beta') if beta is none else beta -%}
    (cast(coalesce({{ successes }}, 0) as double) + {{ a }}) / (coalesce({{ trials }}, 0) + {{ a }} + {{ b }})
{%- endmacro %}
