{#- A share in [0, 1] as whole-percent text for reasons people read: 0.873 -> '87%'. -#}
{% macro percent_text(share_expr) -%}
    concat(cast(cast(round(100 * {{ share_expr }}) as integer) as {{ dbt.type_string() }}), '%')
{%- endmacro %}
