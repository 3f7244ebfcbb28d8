{#- sum() of floating-point values, exactly and so in no particular order: each value is taken as
    a decimal of 12 places and the decimals are added exactly (DuckDB and Spark add decimals as
    wide integers), then the total is a double again. Parallel aggregation adds doubles in a
    varying order, which changes the last bits from run to run (and between engines); this sum is
    the same bit for bit whatever the order, the threads or the engine. For finite values below
    1e26 in magnitude (counts, rates, weights, prices). `over`: a window, as the text inside
    `over (...)`. -#}
{% macro stable_sum(expr, over=none) -%}
    cast(sum(cast({{ expr }} as decimal(38, 12))){% if over is not none %} over ({{ over }}){% endif %} as double)
{%- endmacro %}
