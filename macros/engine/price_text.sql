{#- A price as text with two decimals for reasons people read: 52.3 -> '52.30'. -#}
{% macro price_text(price_expr) -%}
    {{ return(adapter.dispatch('price_text', 'recwarehouse')(price_expr)) }}
{%- endmacro %}

{% macro default__price_text(price_expr) -%}
    printf('%.2f', {{ price_expr }})
{%- endmacro %}

{% macro spark__price_text(price_expr) -%}
    format_string('%.2f', {{ price_expr }})
{%- endmacro %}
