{#- dbt-spark's table materialization, with one change: the new table is built beside the old one
    (`<name>__dbt_new`) and replaces it only once it is built, so a model that fails (a Python model
    that raises, a query that fails) leaves the previous table readable, as the DuckDB publish
    does. dbt-spark drops the old table first (for formats without `create or replace`: parquet).
    Used on the `spark` target for every table model; the rest is dbt-spark's own. -#}
{% materialization table, adapter='spark', supported_languages=['sql', 'python'] %}
    {%- set language = model['language'] -%}
    {%- set identifier = model['alias'] -%}
    {%- set grant_config = config.get('grants') -%}
    {%- set old_relation = adapter.get_relation(database=database, schema=schema, identifier=identifier) -%}
    {%- set target_relation = api.Relation.create(
        identifier=identifier, schema=schema, database=database, type='table') -%}
    {%- set new_relation = api.Relation.create(
        identifier=identifier ~ '__dbt_new', schema=schema, database=database, type='table') -%}

    {{ run_hooks(pre_hooks) }}

    {%- set leftover = adapter.get_relation(database=database, schema=schema, identifier=new_relation.identifier) -%}
    {%- if leftover is not none -%}
        {{ adapter.drop_relation(leftover) }}
    {%- endif -%}

    {%- call statement('main', language=language) -%}
        {{ create_table_as(False, new_relation, compiled_code, language) }}
    {%- endcall -%}

    {%- if old_relation is not none -%}
        {{ adapter.drop_relation(old_relation) }}
    {%- endif -%}
    {{ adapter.rename_relation(new_relation, target_relation) }}

    {% set should_revoke = should_revoke(old_relation, full_refresh_mode=True) %}
    {% do apply_grants(target_relation, grant_config, should_revoke) %}
    {% do persist_docs(target_relation, model) %}
    {% do persist_constraints(target_relation, model) %}

    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
