{#- What shapes a model's rows besides the data: the code of the model and of every model and seed
    upstream of it (their file checksums), the code of every project macro they call, and the
    value of every var that code reads. Returns {'fingerprint': md5 of all that, 'vars': {name:
    value}}. The ranker registry stores the fingerprint of `int_trainer_ranking_examples` and
    retrains when it changes, so a model is never served on features built differently from the
    ones it was trained on (a changed `decay`, candidate limit or feature formula retrains). -#}
{% macro shaping_settings(unique_id) %}
    {%- if not execute -%}
        {{ return({'fingerprint': '', 'vars': {}}) }}
    {%- endif -%}
    {%- set seen_nodes = [] -%}
    {%- set pending = [unique_id] -%}
    {%- set macro_names = [] -%}
    {%- set parts = [] -%}
    {#- breadth-first over upstream nodes (a for loop over a growing list visits what is appended) -#}
    {%- for node_id in pending if node_id not in seen_nodes and node_id in graph.nodes -%}
        {%- do seen_nodes.append(node_id) -%}
        {%- set node = graph.nodes[node_id] -%}
        {%- do parts.append(node_id ~ ':' ~ node.checksum.checksum ~ ':' ~ (node.raw_code or '')) -%}
        {#- a Python model reads its vars from its YAML config, not through var() in its code -#}
        {%- if node.language == 'python' -%}
            {%- do parts.append(node_id ~ ':config:' ~ tojson(node.config, sort_keys=true)) -%}
        {%- endif -%}
        {%- for macro_id in node.depends_on.macros if macro_id.startswith('macro.' ~ project_name ~ '.') -%}
            {%- do macro_names.append(macro_id.split('.')[-1]) -%}
        {%- endfor -%}
        {%- do pending.extend(node.depends_on.nodes) -%}
    {%- endfor -%}
    {%- set seen_macros = [] -%}
    {%- for name in macro_names if name not in seen_macros -%}
        {%- do seen_macros.append(name) -%}
        {#- a dispatched macro's implementations are not in depends_on: add them by name -#}
        {%- for variant in [name, 'default__' ~ name, adapter.type() ~ '__' ~ name] if variant in context -%}
            {%- set macro = context[variant].macro -%}
            {%- do parts.append('macro:' ~ variant ~ ':' ~ macro.macro_sql) -%}
            {%- for dependency in macro.depends_on.macros if dependency.startswith('macro.' ~ project_name ~ '.') -%}
                {%- do macro_names.append(dependency.split('.')[-1]) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set var_names = modules.re.findall("var\\(\\s*['\"](\\w+)['\"]", parts | join('\n')) | unique | sort -%}
    {%- set values = {} -%}
    {%- for name in var_names -%}
        {%- do values.update({name: var(name, none)}) -%}
    {%- endfor -%}
    {%- do parts.append(tojson(values, sort_keys=true)) -%}
    {{ return({'fingerprint': local_md5(parts | sort | join('\n')), 'vars': values}) }}
{% endmacro %}
