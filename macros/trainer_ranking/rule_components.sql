{#- The rule score's components, each a 0-100 column `<name>_score` of `int_trainer_rule_scores`
    weighted by the var `rule_weight_<name>` (the weights sum to 1). The one list the model, its
    tests and the var validation read. -#}
{% macro rule_components() -%}
    {{ return(['quality', 'reliability', 'experience', 'engagement', 'activity', 'feedback']) }}
{%- endmacro %}

{#- The weighted sum of the components: the rule score's total. -#}
{% macro rule_weighted_sum() -%}
    {%- for name in rule_components() -%}
        {{ ' + ' if not loop.first }}{{ var('rule_weight_' ~ name) }} * {{ name }}_score
    {%- endfor -%}
{%- endmacro %}
