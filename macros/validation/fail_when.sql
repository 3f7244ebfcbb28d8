{#- A boolean SQL expression for a `where` clause that stops the query with a message when a check
    fails: checks is a list of (condition, message_sql) pairs, message_sql a SQL string expression
    (so it can name the values found). True when every condition is false. -#}
{% macro fail_when(checks) -%}
    case
        {%- for condition, message_sql in checks %}
        when {{ condition }} then {{ adapter.dispatch('raise_error', 'recwarehouse')(message_sql) }}
        {%- endfor %}
        else true
    end
{%- endmacro %}

{% macro default__raise_error(message_sql) -%}
    error({{ message_sql }})
{%- endmacro %}

{% macro spark__raise_error(message_sql) -%}
    raise_error({{ message_sql }})
{%- endmacro %}
