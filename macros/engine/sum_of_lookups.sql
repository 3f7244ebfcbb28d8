{#- The sum, over the elements of the list `keys` in their order, of what the map `values` holds
    for each (0 for a key it does not hold); 0 for a null list. -#}
{% macro sum_of_lookups(keys, values) -%}
    {{ return(adapter.dispatch('sum_of_lookups', 'recwarehouse')(keys, values)) }}
{%- endmacro %}

{% macro default__sum_of_lookups(keys, values) -%}
    coalesce(list_sum(list_transform({{ keys }}, lambda k: coalesce({{ values }}[k], 0))), 0)
{%- endmacro %}

{#- try_element_at: a missing key is null (Spark's ANSI mode fails `map[key]` on one) -#}
{% macro spark__sum_of_lookups(keys, values) -%}
    coalesce(
        aggregate(transform({{ keys }}, k -> coalesce(try_element_at({{ values }}, k), 0D)), 0D, (total, x) -> total + x),
        0
    )
{%- endmacro %}
