{#- The medres_* vars: what each may hold, and the check run before any model (on-run-start in
    dbt_project.yml, which sees --vars overrides). A wrong var is one line naming the var, its value
    and what is allowed:

        var medres_rsr_grades is 11; it must be an integer from 3 to 10

    The spec below is the ONE place that says what a var may hold (dbt_project.yml gives the
    defaults and their meaning; python_tests/test_vars.py checks that both list the same vars).
    It lives in this macro, not in a YAML file, because a dbt macro cannot read an arbitrary file,
    and a spec kept in `vars:` could itself be overridden by --vars.

    Vocabulary of a var's rule:
      type           integer | number | string | boolean | list | mapping (booleans are not numbers)
      min, max       inclusive bounds of a number;  min_exclusive, max_exclusive  exclusive bounds
      at_least_var, at_most_var  inclusive bounds given by another var (checked when that var is valid)
      values         list of the allowed values
      nullable       true: null is allowed
      min_length     least number of items of a list;  unique: true  items must differ
      unique_fields  fields of a list's mapping items that must differ between items (an indicator
                     column listed twice would be ranked and counted twice)
      items          the rule of each item of a list
      fields         rules of a mapping's keys (a field with optional: true may be missing;
                     any other key is an error)
-#}
{% macro medres_var_spec() %}
{%- set spec_yaml -%}
medres_year: {type: integer, min: 1949, max: 2100}
medres_population_basis: {type: string, values: [yearend, census]}
medres_plausibility_bands:
  type: mapping
  fields:
    beds_per_1000: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    institutions_per_10k: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    health_personnel_per_1000: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    health_technicians_per_1000: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    health_expenditure_per_capita_yuan: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    technicians_per_personnel: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    technicians_per_bed: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    personnel_per_bed: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    census_per_yearend_population: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    fudan_reputation_score: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    fudan_research_score: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    fudan_total_score: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    city_beds_per_1000: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
    city_doctors_per_1000: {type: mapping, fields: {min: {type: number}, max: {type: number}}}
medres_year_over_year_max_change:
  type: mapping
  fields:
    institutions: {type: number, min_exclusive: 0}
    health_personnel_10k: {type: number, min_exclusive: 0}
    health_technicians_10k: {type: number, min_exclusive: 0}
    beds_10k: {type: number, min_exclusive: 0}
    yearend_population_10k: {type: number, min_exclusive: 0}
    beds: {type: number, min_exclusive: 0}
    doctors: {type: number, min_exclusive: 0}
medres_cross_province_max_z:
  type: mapping
  fields:
    institutions: {type: number, min_exclusive: 0}
    health_personnel_10k: {type: number, min_exclusive: 0}
    health_technicians_10k: {type: number, min_exclusive: 0}
    beds_10k: {type: number, min_exclusive: 0}
    yearend_population_10k: {type: number, min_exclusive: 0}
medres_rsr_indicators:
  type: list
  min_length: 1
  unique_fields: [name, column]
  items:
    type: mapping
    fields:
      name: {type: string}
      column: {type: string}
      direction: {type: string, values: [positive, negative]}
      weight: {type: number, min: 0, optional: true}
medres_rsr_weighting: {type: string, values: [configured, entropy]}
medres_rsr_grades: {type: integer, min: 3, max: 10}
medres_rsr_fit_rows: {type: string, values: [all, distinct]}
medres_rsr_grade_on: {type: string, values: [fitted, raw]}
medres_rsr_alpha: {type: number, min_exclusive: 0, max_exclusive: 1}
medres_rsr_force: {type: boolean}
medres_rsr_robustness_columns:
  type: list
  items:
    type: mapping
    fields:
      column: {type: string}
      alternative: {type: string}
medres_rsr_robust_share: {type: number, min: 0, max: 1}
medres_cluster_columns: {type: list, min_length: 1, unique: true, items: {type: string}}
medres_cluster_standardize: {type: string, values: [z, range01, none]}
medres_cluster_linkage: {type: string, values: [average, within, single, complete, centroid, median, ward]}
medres_cluster_metric: {type: string, values: [sqeuclidean, euclidean, cityblock, chebyshev, cosine, correlation]}
medres_cluster_k_min: {type: integer, min: 1}
medres_cluster_k_max: {type: integer, at_least_var: medres_cluster_k_min}
medres_cluster_k: {type: integer, at_least_var: medres_cluster_k_min, at_most_var: medres_cluster_k_max}
medres_inequality_resources: {type: list, min_length: 1, unique: true, items: {type: string, values: [institutions, beds_10k, health_technicians_10k, health_personnel_10k, health_expenditure_10k_yuan]}}
medres_inequality_groupings: {type: list, min_length: 1, unique: true, items: {type: string, values: [region_3, region_4]}}
medres_inequality_permutations: {type: integer, min: 99}
medres_inequality_seed: {type: integer, min: 0}
medres_inequality_alpha: {type: number, min_exclusive: 0, max_exclusive: 1}
medres_fudan_edition: {type: integer, min: 2009, max: 2100, nullable: true}
medres_fudan_ranking_size: {type: integer, min: 1}
medres_city_beds_ratio_band: {type: mapping, fields: {min: {type: number, min: 0}, max: {type: number, min_exclusive: 0}}}
{%- endset -%}
{{ return(fromyaml(spec_yaml)) }}
{% endmacro %}


{#- What a rule allows, in words: "an integer from 3 to 10", "one of 'z', 'range01', 'none'". -#}
{% macro medres_var_allowed(rule) %}
    {%- set type = rule.get('type') -%}
    {%- set nouns = {'integer': 'an integer', 'number': 'a number', 'string': 'a text',
                     'boolean': 'true or false', 'list': 'a list', 'mapping': 'a mapping'} -%}
    {%- if 'values' in rule -%}
        {%- set quoted = [] -%}
        {%- for value in rule['values'] -%}{%- do quoted.append("'" ~ value ~ "'") -%}{%- endfor -%}
        {%- set text = 'one of ' ~ quoted | join(', ') -%}
    {%- else -%}
        {%- set text = nouns.get(type, type) -%}
        {%- set low = rule.get('min', rule.get('min_exclusive')) -%}
        {%- set high = rule.get('max', rule.get('max_exclusive')) -%}
        {%- if 'at_least_var' in rule -%}
            {%- set low = rule['at_least_var'] ~ ' (' ~ var(rule['at_least_var'], '?') ~ ')' -%}
        {%- endif -%}
        {%- if 'at_most_var' in rule -%}
            {%- set high = rule['at_most_var'] ~ ' (' ~ var(rule['at_most_var'], '?') ~ ')' -%}
        {%- endif -%}
        {%- if 'min_exclusive' in rule or 'max_exclusive' in rule -%}
            {%- set parts = [] -%}
            {%- if 'min_exclusive' in rule -%}{%- do parts.append('greater than ' ~ low) -%}
            {%- elif low is not none -%}{%- do parts.append('at least ' ~ low) -%}{%- endif -%}
            {%- if 'max_exclusive' in rule -%}{%- do parts.append('less than ' ~ high) -%}
            {%- elif high is not none -%}{%- do parts.append('at most ' ~ high) -%}{%- endif -%}
            {%- set text = text ~ ' ' ~ parts | join(' and ') -%}
        {%- elif low is not none and high is not none -%}
            {%- set text = text ~ ' from ' ~ low ~ ' to ' ~ high -%}
        {%- elif low is not none -%}
            {%- set text = text ~ ' of at least ' ~ low -%}
        {%- elif high is not none -%}
            {%- set text = text ~ ' of at most ' ~ high -%}
        {%- endif -%}
        {%- if type == 'list' -%}
            {%- if rule.get('min_length', 0) > 0 -%}{%- set text = 'a non-empty list' -%}{%- endif -%}
            {%- if rule.get('unique') -%}{%- set text = text ~ ' of distinct' -%}
            {%- elif 'items' in rule -%}{%- set text = text ~ ' of' -%}{%- endif -%}
            {%- if 'items' in rule -%}
                {%- set item = rule['items'] -%}
                {%- set text = text ~ ' ' ~ {'string': 'texts', 'integer': 'integers', 'number': 'numbers',
                                             'mapping': 'mappings'}.get(item.get('type'), 'items') -%}
                {%- if item.get('type') == 'mapping' -%}
                    {%- set text = text ~ ' {' ~ item.get('fields', {}).keys() | join(', ') ~ '}' -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if rule.get('nullable') -%}{%- set text = text ~ ', or null' -%}{%- endif -%}
    {{ return(text) }}
{% endmacro %}


{#- A value as the user wrote it: 'abc' for a text, 11, true, null, [..]. -#}
{% macro medres_var_shown(value) %}
    {%- if value is none -%}{{ return('null') }}
    {%- elif value is string -%}{{ return("'" ~ value ~ "'") }}
    {%- elif value is boolean -%}{{ return('true' if value else 'false') }}
    {%- else -%}{{ return(tojson(value)) }}
    {%- endif -%}
{% endmacro %}


{#- The problems of one value (a var, or an item or field of one) against its rule; [] if none. -#}
{% macro medres_var_problems(path, value, rule) %}
    {%- set shown = medres_var_shown(value) -%}
    {%- set wrong = 'var ' ~ path ~ ' is ' ~ shown ~ '; it must be ' ~ medres_var_allowed(rule) -%}
    {%- set type = rule.get('type') -%}
    {%- if value is none -%}
        {{ return([] if rule.get('nullable') else [wrong]) }}
    {%- endif -%}
    {%- set type_ok = (type == 'integer' and value is integer)
        or (type == 'number' and (value is integer or value is float))
        or (type == 'string' and value is string)
        or (type == 'boolean' and value is boolean)
        or (type == 'list' and value is sequence and value is not string and value is not mapping)
        or (type == 'mapping' and value is mapping) -%}
    {%- if not type_ok -%}
        {{ return([wrong]) }}
    {%- endif -%}
    {%- if 'values' in rule and value not in rule['values'] -%}{{ return([wrong]) }}{%- endif -%}
    {%- if ('min' in rule and value < rule['min']) or ('max' in rule and value > rule['max'])
        or ('min_exclusive' in rule and value <= rule['min_exclusive'])
        or ('max_exclusive' in rule and value >= rule['max_exclusive']) -%}
        {{ return([wrong]) }}
    {%- endif -%}
    {%- for bound, below in [('at_least_var', true), ('at_most_var', false)] -%}
        {%- if bound in rule -%}
            {%- set other = var(rule[bound], none) -%}
            {%- set spec = medres_var_spec() -%}
            {%- if other is not none and medres_var_problems(rule[bound], other, spec[rule[bound]]) | length == 0
                and ((below and value < other) or (not below and value > other)) -%}
                {{ return([wrong]) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set found = [] -%}
    {%- if type == 'list' -%}
        {%- if value | length < rule.get('min_length', 0) -%}{{ return([wrong]) }}{%- endif -%}
        {%- if rule.get('unique') and value | unique | list | length != value | length -%}
            {{ return([wrong]) }}
        {%- endif -%}
        {%- for field in rule.get('unique_fields', []) -%}
            {%- set seen = [] -%}
            {%- for item in value if item is mapping and field in item -%}
                {%- if item[field] in seen -%}
                    {%- do found.append('var ' ~ path ~ ' lists ' ~ field ~ ' ' ~ medres_var_shown(item[field])
                                        ~ ' twice; each ' ~ field ~ ' may appear once') -%}
                {%- endif -%}
                {%- do seen.append(item[field]) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for item in value -%}
            {%- for problem in medres_var_problems(path ~ '[' ~ loop.index0 ~ ']', item, rule.get('items', {})) -%}
                {%- do found.append(problem) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- elif type == 'mapping' -%}
        {%- set fields = rule.get('fields', {}) -%}
        {%- for key in value -%}
            {%- if key not in fields -%}
                {%- do found.append('var ' ~ path ~ ' has the unknown key ' ~ medres_var_shown(key)
                                    ~ '; the keys are ' ~ fields.keys() | join(', ')) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for key, field in fields.items() -%}
            {%- if key in value -%}
                {%- for problem in medres_var_problems(path ~ '.' ~ key, value[key], field) -%}
                    {%- do found.append(problem) -%}
                {%- endfor -%}
            {%- elif not field.get('optional') -%}
                {%- do found.append('var ' ~ path ~ ' has no key ' ~ key ~ '; it must be ' ~ medres_var_allowed(field)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{% endmacro %}


{#- Every problem of the medres_* vars, one line each. -#}
{% macro medres_vars_problems() %}
    {%- set found = [] -%}
    {%- for name, rule in medres_var_spec().items() -%}
        {%- if not var.has_var(name) -%}
            {%- do found.append('var ' ~ name ~ ' is not set; it must be ' ~ medres_var_allowed(rule)) -%}
        {%- else -%}
            {%- for problem in medres_var_problems(name, var(name), rule) -%}
                {%- do found.append(problem) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}


{#- on-run-start: stop before any model when a var is wrong. Also runs when dbt parses the hook, so
    `dbt parse` / `dbt compile` report a wrong var the same way. Renders no SQL. -#}
{% macro check_medres_vars() %}
    {%- set found = medres_vars_problems() -%}
    {%- if found | length > 0 -%}
        {{ exceptions.raise_compiler_error(found | join('\n')) }}
    {%- endif -%}
{% endmacro %}


{#- var(name), checked against its spec: for models that use a var's value in SQL, so that even a
    command without on-run-start hooks (dbt compile, dbt show) cannot render a wrong value. -#}
{% macro medres_var(name) %}
    {%- set found = medres_var_problems(name, var(name), medres_var_spec()[name]) -%}
    {%- if found | length > 0 -%}
        {{ exceptions.raise_compiler_error(found | join('\n')) }}
    {%- endif -%}
    {{ return(var(name)) }}
{% endmacro %}
