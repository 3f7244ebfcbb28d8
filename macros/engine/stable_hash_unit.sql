{#- A deterministic pseudo-random number in [0, 1) from a string key and the random_seed var: the
    first 48 bits of the md5 of `key|seed`, modulo a prime. md5 is the same function on every
    engine, so DuckDB and Spark draw the same numbers (the same exploration users, training sample
    and tie-breaks). -#}
{% macro stable_hash_unit(key_expr) -%}
    (cast({{ adapter.dispatch('md5_prefix_integer', 'recwarehouse')(
        "concat(" ~ key_expr ~ ", '|', '" ~ var("random_seed") ~ "')") }} % 1000003 as double) / 1000003)
{%- endmacro %}

{#- The first 12 hex digits (48 bits) of md5(text) as a bigint. -#}
{% macro default__md5_prefix_integer(text_expr) -%}
    cast(concat('0x', substr(md5({{ text_expr }}), 1, 12)) as bigint)
{%- endmacro %}

{% macro spark__md5_prefix_integer(text_expr) -%}
    cast(conv(substr(md5({{ text_expr }}), 1, 12), 16, 10) as bigint)
{%- endmacro %}
