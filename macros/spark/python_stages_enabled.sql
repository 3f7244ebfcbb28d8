{#- Whether this target runs the dbt Python models of `domain` (trainer_ranking, cold_start,
    marketplace, interactions). DuckDB runs them all. On the `spark` target they run in the dbt
    process's SparkSession (the `session` submission method, recwarehouse/spark/), domain by domain
    as each domain's models are written against `recwarehouse.engine`; `spark_python_domains` lists
    those (dbt_project.yml enables the same folders on Spark). Where a domain is off, the SQL models
    that read it either fall back (serving goes rule_based) or are disabled too. -#}
{% macro python_stages_enabled(domain='trainer_ranking') -%}
    {{ return(target.type != 'spark' or domain in spark_python_domains()) }}
{%- endmacro %}

{% macro spark_python_domains() -%}
    {{ return(['cold_start', 'interactions', 'marketplace', 'trainer_ranking']) }}
{%- endmacro %}
