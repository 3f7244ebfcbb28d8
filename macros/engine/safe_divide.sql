{#- numerator / denominator, or `empty` when the denominator is 0 or null. -#}
{% macro safe_divide(numerator, denominator, empty='0.0') -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then {{ empty }}
        else cast(({{ numerator }}) as double) / ({{ denominator }})
    end
{%- endmacro %}
