{#- A week var as a SQL date literal, or `default_sql` when the var is null. -#}
{% macro week_var(name, default_sql) -%}
    {%- if var(name) is none -%}
        ({{ default_sql }})
    {%- else -%}
        cast('{{ var(name) }}' as date)
    {%- endif -%}
{%- endmacro %}
