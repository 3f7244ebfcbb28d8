{#- `expr` min-max scaled to [0, 1] within each group of `partition_by`; 0.5 when the group's
    values are all equal; null stays null. -#}
{% macro min_max_within(expr, partition_by) -%}
    case
        when {{ expr }} is null then null
        when max({{ expr }}) over (partition by {{ partition_by }}) = min({{ expr }}) over (partition by {{ partition_by }})
            then 0.5
        else
            ({{ expr }} - min({{ expr }}) over (partition by {{ partition_by }}))
            / (max({{ expr }}) over (partition by {{ partition_by }}) - min({{ expr }}) over (partition by {{ partition_by }}))
    end
{%- endmacro %}
