{#- sum() of floating-point values rounded to 9 decimals. Parallel aggregation adds floats in a
    varying order, which changes the last bits from run to run; rounding makes feature tables
    (and the models trained on them) reproducible byte for byte. -#}
{% macro stable_sum(expr) -%}
    round(sum({{ expr }}), 9)
{%- endmacro %}
