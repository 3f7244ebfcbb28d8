{#- Any text as a quoted SQL string literal (quotes doubled; on Spark backslashes escaped too). -#}
{% macro string_literal(text) -%}
    {{ return(adapter.dispatch('string_literal', 'recwarehouse')(text)) }}
{%- endmacro %}

{% macro default__string_literal(text) -%}
    '{{ text | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(text) -%}
    '{{ text | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
