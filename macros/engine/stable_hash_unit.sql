{#- A deterministic pseudo-random number in [0, 1) from a string key and the random_seed var. -#}
{% macro stable_hash_unit(key_expr) -%}
    {{ return(adapter.dispatch('stable_hash_unit', 'recwarehouse')(key_expr)) }}
{%- endmacro %}

{% macro default__stable_hash_unit(key_expr) -%}
    (cast(hash(concat({{ key_expr }}, '|', '{{ var("random_seed") }}')) % 1000003 as double) / 1000003)
{%- endmacro %}

{% macro spark__stable_hash_unit(key_expr) -%}
    (cast(pmod(xxhash64(concat({{ key_expr }}, '|', '{{ var("random_seed") }}')), 1000003) as double) / 1000003)
{%- endmacro %}
