{#- True when a text value holds nothing but white space and, when given, the `separators`
    characters; null stays null (null checks are separate). White space is every character of
    Unicode's White_Space property: tab, new line, vertical tab, form feed, carriage return, next
    line (U+0085) and the space separators (\p{Z}: space, no-break space, the em and en spaces,
    the ideographic space...), so an id of a no-break space is as blank as one of a space. -#}
{% macro is_blank(expr, separators='') -%}
    {{ return(adapter.dispatch('is_blank', 'recwarehouse')(expr, separators)) }}
{%- endmacro %}

{% macro default__is_blank(expr, separators) -%}
    regexp_matches({{ expr }}, '^[\t\n\x0b\f\r\x{85}\p{Z}{{ separators }}]*$')
{%- endmacro %}

{% macro spark__is_blank(expr, separators) -%}
    ({{ expr }} rlike '^[\\t\\n\\x0b\\f\\r\\x{85}\\p{Z}{{ separators }}]*$')
{%- endmacro %}
