{#- An aggregate: the Gini coefficient of `value` over a group's rows, given each row's 1-based
    `position` in ascending order of value and the group's row count `n_items`:
    sum((2 position - n - 1) value) / (n sum(value)). 0 = all equal, (n - 1) / n = one row holds
    everything; 0 when the values sum to 0. Rows with value 0 (items never shown) must be in the
    group. The same formula as `recwarehouse.metrics.gini_exposure`. -#}
{% macro gini_coefficient(value, position, n_items) -%}
    {{ safe_divide(
        'sum((2 * ' ~ position ~ ' - ' ~ n_items ~ ' - 1) * ' ~ value ~ ')',
        'max(' ~ n_items ~ ') * sum(' ~ value ~ ')'
    ) }}
{%- endmacro %}
