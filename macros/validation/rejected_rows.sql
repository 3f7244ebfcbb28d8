{#- The rows of a `base_*_checked` model that broke the input contract, with their reasons. -#}
{% macro rejected_rows(checked_relation) -%}
select * from {{ checked_relation }}
where reject_reason is not null
{%- endmacro %}
