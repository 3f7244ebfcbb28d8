{#- Whether this target runs the dbt Python models (rankers, MMR, the interactions learners).
    dbt-spark runs Python models only on Databricks clusters, so on the local / thrift `spark`
    target they are disabled (dbt_project.yml says the same with `target.type != 'spark'`) and the
    SQL models that read them either fall back (serving goes rule_based) or are disabled too. -#}
{% macro python_stages_enabled() -%}
    {{ return(target.type != 'spark') }}
{%- endmacro %}
