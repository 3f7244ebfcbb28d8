{#- The readable key of a segment or parent pool: parts joined by '|' ("26-35|Advanced|yoga").
    Parent pools leave parts out ("26-35|Advanced", "Advanced"); the whole population is "*". -#}
{% macro segment_key() -%}
    concat_ws('|', {{ varargs | join(', ') }})
{%- endmacro %}
