{#- Whether this target runs the dbt Python models of `domain` (trainer_ranking, cold_start,
    marketplace, interactions), for the SQL models that read them. DuckDB runs them all; on the
    `spark` target they run in the dbt process's SparkSession (the `session` submission method,
    recwarehouse/spark/), each domain's models written against `recwarehouse.engine`, and
    `spark_python_domains` lists the domains that are (all four). A domain left out of it has its
    readers fall back (serving goes rule_based) or disabled on Spark. -#}
{% macro python_stages_enabled(domain='trainer_ranking') -%}
    {{ return(target.type != 'spark' or domain in spark_python_domains()) }}
{%- endmacro %}

{% macro spark_python_domains() -%}
    {{ return(['cold_start', 'interactions', 'marketplace', 'trainer_ranking']) }}
{%- endmacro %}
