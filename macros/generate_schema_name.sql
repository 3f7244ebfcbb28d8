{#- Use the custom schema name as is (staging, intermediate, marts, ml, reference), so people
    query `marts.fct_trainer_recommendations` whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
