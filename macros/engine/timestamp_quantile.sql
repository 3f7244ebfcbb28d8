{#- The discrete quantile of a timestamp column (an aggregate): the first value at or above the
    fraction of the sorted values. Spark's percentile_disc takes numbers only, so it works on unix
    seconds there (timestamps with sub-second parts are cut to the second). -#}
{% macro timestamp_quantile(expr, fraction) -%}
    {{ return(adapter.dispatch('timestamp_quantile', 'recwarehouse')(expr, fraction)) }}
{%- endmacro %}

{% macro default__timestamp_quantile(expr, fraction) -%}
    quantile_disc({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro spark__timestamp_quantile(expr, fraction) -%}
    timestamp_seconds(percentile_disc({{ fraction }}) within group (order by unix_seconds({{ expr }})))
{%- endmacro %}
