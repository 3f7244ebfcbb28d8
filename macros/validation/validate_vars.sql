{#- Checks every var once, before any model runs (on-run-start), and stops the run with a
    message that names the var, the value and the rule. Models can trust their vars; a model that
    needs a var's value while it is parsed (a comparison or a loop in Jinja, before on-run-start)
    reads it through `checked_var`, which runs the same checks first. A `--vars` key that is not a
    var of this project (a misspelling, say) is warned about: it would be ignored. -#}
{% macro validate_vars() %}
    {%- set errors = var_errors() -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error("Invalid vars:\n  - " ~ errors | join("\n  - ")) }}
    {%- endif -%}
    {%- do _warn_unknown_cli_vars() -%}
    select 1
{% endmacro %}

{#- A var's value, after every var is checked: a bad var stops here with the same message as
    `validate_vars`, whatever model or macro asks first. -#}
{% macro checked_var(name) %}
    {%- set errors = var_errors() -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error("Invalid vars:\n  - " ~ errors | join("\n  - ")) }}
    {%- endif -%}
    {{ return(var(name)) }}
{% endmacro %}

{#- The names of this project's vars (the `vars:` of dbt_project.yml; a test keeps them equal). -#}
{% macro project_var_names() %}
    {{ return([
        'raw_data_path', 'source_warn_after_days', 'source_error_after_days', 'reject_share_threshold',
        'earliest_plausible_date', 'max_serve_weeks_after_data',
        'decay', 'k', 'min_candidates_per_user', 'max_goal_candidates', 'max_history_candidates',
        'max_collaborative_candidates', 'first_target_week', 'validation_week', 'serve_week', 'exploration_rate',
        'random_seed', 'max_training_users', 'max_training_rows', 'retrain_every_weeks', 'cf_factors',
        'cf_click_factors', 'cf_click_regularization', 'cf_max_users',
        'rule_weight_quality', 'rule_weight_reliability', 'rule_weight_experience', 'rule_weight_engagement',
        'rule_weight_activity', 'rule_weight_feedback', 'rule_prior_strength', 'feedback_prior_strength',
        'feedback_recent_weeks', 'feedback_reason_min_people', 'feedback_reason_min_lift',
        'feedback_review_min_feedback', 'recommendation_mode', 'ensemble_rule_weight', 'serving_rule_weights',
        'serving_rule_weight_tolerance', 'serving_min_validation_users', 'max_trainer_list_share',
        'min_model_lift', 'rerank_candidates', 'rerank_list_size',
        'rerank_min_positives', 'price_band_lower_quantile', 'price_band_upper_quantile',
        'price_min_training_bookings', 'price_min_trainer_bookings', 'price_acceptance_prior_strength',
        'segment_as_of_date', 'segment_prior_alpha', 'segment_prior_beta', 'segment_weight_completion',
        'segment_weight_like', 'segment_weight_views', 'freshness_lambda', 'freshness_basis',
        'segment_candidates', 'segment_list_size', 'mmr_lambda', 'mmr_same_trainer_similarity',
        'mmr_lambda_grid', 'instructor_min_sessions', 'instructor_max_abandonment_rate',
        'instructor_max_dislike_rate', 'demote_flagged_instructors', 'flagged_instructor_penalty',
        'interactions_adapter', 'interactions_path', 'interactions_has_items', 'interactions_split',
        'interactions_test_fraction', 'interactions_cut_at', 'interactions_k', 'interactions_ks',
        'interactions_mode', 'candidates_per_user', 'bayes_m', 'popularity_half_life_days', 'ease_lambdas',
        'profile_decay_taus', 'interactions_models', 'ease_max_memory_mb', 'itemknn_neighbours', 'als_grid',
        'bpr_grid', 'interactions_repeat_weight', 'interactions_reconsumption',
        'score_memory_mb', 'bootstrap_resamples', 'tuning_users', 'evaluation_users', 'rerank_training_users',
        'artifacts_path',
    ]) }}
{% endmacro %}

{% macro _warn_unknown_cli_vars() %}
    {%- set given = invocation_args_dict.get('vars') or {} -%}
    {%- if given is string -%}
        {%- set given = fromyaml(given) or {} -%}
    {%- endif -%}
    {%- set known = project_var_names() -%}
    {%- for name in given if name not in known -%}
        {%- set near = known | select('equalto', name | lower) | list -%}
        {%- do exceptions.warn("--vars key '" ~ name ~ "' is not a var of this project, so it is ignored"
            ~ (" (did you mean '" ~ near[0] ~ "'?)" if near else " (the vars are listed in dbt_project.yml)")) -%}
    {%- endfor -%}
{% endmacro %}

{#- Every broken var rule, as a list of messages (empty when every var is good). -#}
{% macro var_errors() %}
    {%- set errors = [] -%}
    {%- do _check_number(errors, 'reject_share_threshold', 0, 1) -%}
    {%- do _check_number(errors, 'decay', 0, 1, lower_open=true) -%}
    {%- do _check_number(errors, 'k', 1, 1000, integer=true) -%}
    {%- do _check_number(errors, 'min_candidates_per_user', 1, 100000, integer=true) -%}
    {%- do _check_number(errors, 'max_goal_candidates', 0, 100000, integer=true) -%}
    {%- do _check_number(errors, 'max_history_candidates', 0, 100000, integer=true) -%}
    {%- do _check_number(errors, 'max_collaborative_candidates', 0, 100000, integer=true) -%}
    {%- do _check_number(errors, 'exploration_rate', 0, 1) -%}
    {%- do _check_number(errors, 'random_seed', 0, 2147483647, integer=true) -%}
    {%- do _check_number(errors, 'max_training_users', 1, 1000000000, integer=true) -%}
    {%- do _check_number(errors, 'max_training_rows', 1000, 1000000000, integer=true) -%}
    {%- do _check_number(errors, 'retrain_every_weeks', 1, 520, integer=true) -%}
    {%- do _check_number(errors, 'cf_factors', 0, 256, integer=true) -%}
    {%- do _check_number(errors, 'cf_click_factors', 0, 256, integer=true) -%}
    {%- do _check_number(errors, 'cf_click_regularization', 0, 1000000, lower_open=true) -%}
    {%- do _check_number(errors, 'cf_max_users', 1, 1000000000, integer=true) -%}
    {%- do _check_number(errors, 'segment_prior_alpha', 0, 1000000, lower_open=true) -%}
    {%- do _check_number(errors, 'segment_prior_beta', 0, 1000000, lower_open=true) -%}
    {%- for name in ['segment_weight_completion', 'segment_weight_like', 'segment_weight_views'] -%}
        {%- do _check_number(errors, name, 0, 1) -%}
    {%- endfor -%}
    {%- set weights = [var('segment_weight_completion'), var('segment_weight_like'), var('segment_weight_views')] -%}
    {%- if weights | select('number') | list | length == 3 and (weights | sum - 1) | abs > 1e-9 -%}
        {%- do errors.append("vars 'segment_weight_completion' + 'segment_weight_like' + 'segment_weight_views' = "
            ~ (weights | sum) ~ " must sum to 1") -%}
    {%- endif -%}
    {%- do _check_number(errors, 'freshness_lambda', 0, 10) -%}
    {%- if var('freshness_basis') not in ['last_session', 'published'] -%}
        {%- do errors.append("var 'freshness_basis' must be 'last_session' or 'published', got '"
            ~ var('freshness_basis') ~ "'") -%}
    {%- endif -%}
    {%- do _check_number(errors, 'segment_candidates', 1, 1000, integer=true) -%}
    {%- do _check_number(errors, 'segment_list_size', 1, 100, integer=true) -%}
    {%- if var('segment_candidates') is number and var('segment_list_size') is number
        and var('segment_candidates') < var('segment_list_size') -%}
        {%- do errors.append("var 'segment_candidates' = " ~ var('segment_candidates')
            ~ " must be >= var 'segment_list_size' = " ~ var('segment_list_size')) -%}
    {%- endif -%}
    {%- do _check_number(errors, 'mmr_lambda', 0, 1) -%}
    {%- do _check_unit_list(errors, 'mmr_lambda_grid') -%}
    {%- do _check_number(errors, 'mmr_same_trainer_similarity', 0, 1) -%}
    {%- for name in ['source_warn_after_days', 'source_error_after_days'] -%}
        {%- do _check_number(errors, name, 1, 100000, integer=true) -%}
    {%- endfor -%}
    {%- if var('source_warn_after_days') is number and var('source_error_after_days') is number
        and var('source_warn_after_days') > var('source_error_after_days') -%}
        {%- do errors.append("var 'source_warn_after_days' = " ~ var('source_warn_after_days')
            ~ " must be <= var 'source_error_after_days' = " ~ var('source_error_after_days')) -%}
    {%- endif -%}
    {%- do _check_number(errors, 'instructor_min_sessions', 0, 1000000, integer=true) -%}
    {%- do _check_number(errors, 'instructor_max_abandonment_rate', 0, 1) -%}
    {%- do _check_number(errors, 'instructor_max_dislike_rate', 0, 1) -%}
    {%- do _check_number(errors, 'flagged_instructor_penalty', 0, 1) -%}
    {%- if var('demote_flagged_instructors') is not sameas true and var('demote_flagged_instructors') is not sameas false -%}
        {%- do errors.append("var 'demote_flagged_instructors' must be true or false, got '"
            ~ var('demote_flagged_instructors') ~ "'") -%}
    {%- endif -%}
    {%- do _check_date(errors, 'segment_as_of_date') -%}
    {%- set rule_names = [] -%}
    {%- for component in rule_components() -%}
        {%- do rule_names.append('rule_weight_' ~ component) -%}
    {%- endfor -%}
    {%- for name in rule_names -%}
        {%- do _check_number(errors, name, 0, 1) -%}
    {%- endfor -%}
    {%- set rule_weights = [] -%}
    {%- for name in rule_names -%}
        {%- do rule_weights.append(var(name)) -%}
    {%- endfor -%}
    {%- if rule_weights | select('number') | list | length == rule_names | length and (rule_weights | sum - 1) | abs > 1e-9 -%}
        {%- do errors.append("vars 'rule_weight_*' = " ~ (rule_weights | sum) ~ " must sum to 1") -%}
    {%- endif -%}
    {%- do _check_number(errors, 'rule_prior_strength', 0, 1000000) -%}
    {%- do _check_number(errors, 'feedback_prior_strength', 0, 100000000, lower_open=true) -%}
    {%- do _check_number(errors, 'feedback_recent_weeks', 1, 520, integer=true) -%}
    {%- do _check_number(errors, 'feedback_reason_min_people', 1, 1000000, integer=true) -%}
    {%- do _check_number(errors, 'feedback_reason_min_lift', 0, 1000000) -%}
    {%- do _check_number(errors, 'feedback_review_min_feedback', 1, 100000000, integer=true) -%}
    {%- do _check_choice(errors, 'recommendation_mode', ['auto', 'rule_based', 'model', 'ensemble']) -%}
    {%- do _check_number(errors, 'ensemble_rule_weight', 0, 1) -%}
    {%- do _check_unit_list(errors, 'serving_rule_weights') -%}
    {%- if var('max_trainer_list_share') is not none -%}
        {%- do _check_number(errors, 'max_trainer_list_share', 0, 1, lower_open=true) -%}
    {%- endif -%}
    {%- do _check_number(errors, 'serving_rule_weight_tolerance', 0, 1) -%}
    {%- do _check_number(errors, 'serving_min_validation_users', 1, 100000000, integer=true) -%}
    {%- do _check_number(errors, 'min_model_lift', 0, 100) -%}
    {%- do _check_number(errors, 'rerank_candidates', 1, 1000, integer=true) -%}
    {%- do _check_number(errors, 'rerank_list_size', 1, 1000, integer=true) -%}
    {%- if var('rerank_candidates') is number and var('rerank_list_size') is number
        and var('rerank_candidates') < var('rerank_list_size') -%}
        {%- do errors.append("var 'rerank_candidates' = " ~ var('rerank_candidates')
            ~ " must be >= var 'rerank_list_size' = " ~ var('rerank_list_size')) -%}
    {%- endif -%}
    {%- do _check_number(errors, 'rerank_min_positives', 0, 100000000, integer=true) -%}
    {%- do _check_number(errors, 'price_band_lower_quantile', 0, 1, lower_open=true) -%}
    {%- do _check_number(errors, 'price_band_upper_quantile', 0, 1) -%}
    {%- if var('price_band_lower_quantile') is number and var('price_band_upper_quantile') is number
        and var('price_band_lower_quantile') >= var('price_band_upper_quantile') -%}
        {%- do errors.append("var 'price_band_lower_quantile' = " ~ var('price_band_lower_quantile')
            ~ " must be below var 'price_band_upper_quantile' = " ~ var('price_band_upper_quantile')) -%}
    {%- endif -%}
    {%- do _check_number(errors, 'price_min_training_bookings', 1, 100000000, integer=true) -%}
    {%- do _check_number(errors, 'price_min_trainer_bookings', 0, 100000000, integer=true) -%}
    {%- do _check_number(errors, 'price_acceptance_prior_strength', 0, 1000000, lower_open=true) -%}
    {%- do _check_choice(errors, 'interactions_adapter', [none, 'movielens_100k', 'parquet']) -%}
    {%- do _check_choice(errors, 'interactions_split', ['per_user', 'last1', 'global']) -%}
    {%- do _check_choice(errors, 'interactions_mode', ['baseline', 'cf', 'auto']) -%}
    {%- do _check_number(errors, 'interactions_test_fraction', 0, 1, lower_open=true) -%}
    {%- do _check_number(errors, 'interactions_k', 1, 1000, integer=true) -%}
    {%- do _check_number(errors, 'candidates_per_user', 1, 100000, integer=true) -%}
    {%- if var('candidates_per_user') is number and var('interactions_k') is number
        and var('candidates_per_user') < var('interactions_k') -%}
        {%- do errors.append("var 'candidates_per_user' = " ~ var('candidates_per_user')
            ~ " must be >= var 'interactions_k' = " ~ var('interactions_k')) -%}
    {%- endif -%}
    {%- do _check_number(errors, 'bayes_m', 0, 1000000) -%}
    {%- do _check_number(errors, 'popularity_half_life_days', 0, 100000, lower_open=true) -%}
    {%- for name, low, lower_open, whole in [('ease_lambdas', 0, true, false), ('profile_decay_taus', 0, false, false),
                                             ('itemknn_neighbours', 1, false, true)] -%}
        {%- set values = var(name) -%}
        {%- if values is string or values is not iterable or values | length == 0 -%}
            {%- do errors.append("var '" ~ name ~ "' must be a non-empty list of numbers, got '" ~ values ~ "'") -%}
        {%- else -%}
            {%- for v in values -%}
                {%- if v is not number or v < low or (lower_open and v == low) or (whole and v != v | int) -%}
                    {%- do errors.append("var '" ~ name ~ "' holds " ~ v ~ ": every value must be a "
                        ~ ("whole number " if whole else "number ") ~ ("> " if lower_open else ">= ") ~ low) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do _check_number(errors, 'ease_max_memory_mb', 0, 10000000) -%}
    {%- do _check_number(errors, 'score_memory_mb', 1, 10000000) -%}
    {%- do _check_number(errors, 'rerank_training_users', 2, 100000000, integer=true) -%}
    {%- do _check_number(errors, 'tuning_users', 1, 100000000, integer=true) -%}
    {%- do _check_number(errors, 'evaluation_users', 1, 100000000, integer=true) -%}
    {%- do _check_number(errors, 'bootstrap_resamples', 10, 1000000, integer=true) -%}
    {%- set known_models = ['popularity', 'bayes_average', 'recency_popularity', 'itemknn', 'ease', 'ease_no_decay',
                            'als', 'bpr'] -%}
    {%- set chosen_models = var('interactions_models') -%}
    {%- if chosen_models is string or chosen_models is not iterable or chosen_models | length == 0 -%}
        {%- do errors.append("var 'interactions_models' must be a non-empty list of models, got '" ~ chosen_models ~ "'") -%}
    {%- else -%}
        {%- for m in chosen_models if m not in known_models -%}
            {%- do errors.append("var 'interactions_models' holds '" ~ m ~ "': known models are "
                ~ known_models | join(', ')) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set ks = var('interactions_ks') -%}
    {%- if ks is string or ks is not iterable or ks | length == 0 or ks | reject('number') | list | length > 0 -%}
        {%- do errors.append("var 'interactions_ks' must be a non-empty list of whole numbers, got '" ~ ks ~ "'") -%}
    {%- elif var('interactions_k') not in ks -%}
        {%- do errors.append("var 'interactions_ks' = " ~ ks ~ " must hold var 'interactions_k' = " ~ var('interactions_k')) -%}
    {%- elif var('candidates_per_user') is number and var('candidates_per_user') < ks | max -%}
        {%- do errors.append("var 'candidates_per_user' = " ~ var('candidates_per_user')
            ~ " must be >= the largest of var 'interactions_ks' = " ~ ks | max) -%}
    {%- endif -%}
    {%- do _check_choice(errors, 'interactions_repeat_weight', ['binary', 'count', 'log']) -%}
    {%- do _check_choice(errors, 'interactions_reconsumption', [true, false]) -%}
    {%- for name, keys in [('als_grid', ['factors', 'regularization', 'alpha', 'iterations']),
                           ('bpr_grid', ['factors', 'learning_rate', 'regularization', 'iterations'])] -%}
        {%- set grid = var(name) -%}
        {%- if grid is string or grid is not iterable or grid | length == 0 -%}
            {%- do errors.append("var '" ~ name ~ "' must be a non-empty list of settings, got '" ~ grid ~ "'") -%}
        {%- else -%}
            {%- for setting in grid -%}
                {%- for key in keys -%}
                    {%- if setting is not mapping or setting.get(key) is not number or setting.get(key) <= 0 -%}
                        {%- do errors.append("var '" ~ name ~ "' setting " ~ setting ~ ": '" ~ key
                            ~ "' must be a number > 0 (each setting needs " ~ keys | join(', ') ~ ")") -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if var('interactions_split') == 'global' and var('interactions_adapter') is not none
        and var('interactions_cut_at') is none -%}
        {%- do errors.append("var 'interactions_split' = global needs var 'interactions_cut_at' (a timestamp)") -%}
    {%- endif -%}
    {%- if var('min_candidates_per_user') is number and var('k') is number
        and var('min_candidates_per_user') < var('k') -%}
        {%- do errors.append("var 'min_candidates_per_user' = " ~ var('min_candidates_per_user')
            ~ " must be >= var 'k' = " ~ var('k') ~ " (every user needs K candidates)") -%}
    {%- endif -%}
    {%- for name in ['first_target_week', 'validation_week', 'serve_week'] -%}
        {%- do _check_monday(errors, name) -%}
    {%- endfor -%}
    {#- weeks given together must be in order; against the data's range they are checked by
        int_target_weeks, the first model that knows it -#}
    {#- (first_target_week at or after validation_week is allowed: no training week yet, so
        serving falls back to rule_based and says so) -#}
    {%- for earlier, later in [('validation_week', 'serve_week')] -%}
        {%- set a = _parse_date(var(earlier)) if var(earlier) is not none else none -%}
        {%- set b = _parse_date(var(later)) if var(later) is not none else none -%}
        {%- if a is not none and b is not none and a >= b -%}
            {%- do errors.append("var '" ~ earlier ~ "' = " ~ var(earlier) ~ " must be before var '" ~ later
                ~ "' = " ~ var(later)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if _parse_date(var('earliest_plausible_date')) is none -%}
        {%- do errors.append("var 'earliest_plausible_date' must be a date 'YYYY-MM-DD' (years 1000-9998), got '"
            ~ var('earliest_plausible_date') ~ "'") -%}
    {%- endif -%}
    {%- do _check_number(errors, 'max_serve_weeks_after_data', 1, 520, integer=true) -%}
    {%- if var('raw_data_path') is not string or var('raw_data_path') | length == 0 -%}
        {%- do errors.append("var 'raw_data_path' must be a folder path, got " ~ var('raw_data_path')) -%}
    {%- endif -%}
    {{ return(errors) }}
{% endmacro %}

{% macro _check_number(errors, name, low, high, integer=false, lower_open=false) %}
    {%- set value = var(name) -%}
    {%- set low_text = ('(' if lower_open else '[') ~ low ~ ', ' ~ high ~ ']' -%}
    {%- if value is not number or value is sameas true or value is sameas false -%}
        {%- do errors.append("var '" ~ name ~ "' must be a number in " ~ low_text ~ ", got '" ~ value ~ "'") -%}
    {%- elif integer and value != (value | int) -%}
        {%- do errors.append("var '" ~ name ~ "' must be a whole number, got " ~ value) -%}
    {%- elif value < low or value > high or (lower_open and value == low) -%}
        {%- do errors.append("var '" ~ name ~ "' = " ~ value ~ " is outside " ~ low_text) -%}
    {%- endif -%}
{% endmacro %}

{#- A non-empty list of numbers in [0, 1] (rule weights, MMR lambdas). -#}
{% macro _check_unit_list(errors, name) %}
    {%- set values = var(name) -%}
    {%- if values is string or values is not iterable or values | length == 0
        or values | reject('number') | list | length > 0
        or values | select('number') | select('lt', 0) | list | length > 0
        or values | select('number') | select('gt', 1) | list | length > 0 -%}
        {%- do errors.append("var '" ~ name ~ "' must be a non-empty list of numbers in [0, 1], got '"
            ~ values ~ "'") -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_monday(errors, name) %}
    {%- set value = var(name) -%}
    {%- if value is not none -%}
        {%- set parsed = _parse_date(value) -%}
        {%- if parsed is none and value is string and modules.re.match('^\d{4}-\d{2}-\d{2}$', value) and (value[:4] | int < 1000 or value[:4] | int > 9998) -%}
            {%- do errors.append("var '" ~ name ~ "' = " ~ value ~ " is outside the years 1000-9998") -%}
        {%- elif parsed is none -%}
            {%- do errors.append("var '" ~ name ~ "' must be null or a date 'YYYY-MM-DD', got '" ~ value ~ "'") -%}
        {%- elif parsed.isoweekday() != 1 -%}
            {%- do errors.append("var '" ~ name ~ "' = " ~ value ~ " is not a Monday (weeks are ISO weeks, given by their Monday)") -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_date(errors, name) %}
    {%- set value = var(name) -%}
    {%- if value is not none and _parse_date(value) is none -%}
        {%- do errors.append("var '" ~ name ~ "' must be null or a date 'YYYY-MM-DD', got '" ~ value ~ "'") -%}
    {%- endif -%}
{% endmacro %}

{#- A 'YYYY-MM-DD' string (or a date, as YAML reads an unquoted one) as a date, or none when it is
    not one (month 13, February 30th, a year outside 1000-9998...). -#}
{% macro _parse_date(value) %}
    {%- if value is not string and value.isoweekday is defined and value.hour is not defined -%}
        {%- set value = value.isoformat() -%}
    {%- endif -%}
    {%- if value is not string or not modules.re.match('^\d{4}-\d{2}-\d{2}$', value) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set year, month, day = value.split('-') | map('int') | list -%}
    {%- if year < 1000 or year > 9998 or month < 1 or month > 12 or day < 1 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + (1 if month == 12 else 0), 1 if month == 12 else month + 1, 1) -%}
    {%- if day > (next_month - modules.datetime.timedelta(days=1)).day -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(modules.datetime.date(year, month, day)) }}
{% endmacro %}

{% macro _check_choice(errors, name, choices) %}
    {%- if var(name) not in choices -%}
        {%- do errors.append("var '" ~ name ~ "' must be one of " ~ (choices | join(', ')) ~ ", got '" ~ var(name) ~ "'") -%}
    {%- endif -%}
{% endmacro %}
