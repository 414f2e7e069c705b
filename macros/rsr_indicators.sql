{#- The RSR indicator configuration, validated once so every model reads the same list:
    var('medres_rsr_indicators') items {name, column, direction: positive|negative, weight >= 0}. -#}
{% macro rsr_indicators() %}
    {%- set indicators = var('medres_rsr_indicators') -%}
    {%- if indicators | length == 0 -%}
        {{ exceptions.raise_compiler_error("var medres_rsr_indicators is empty") }}
    {%- endif -%}
    {%- for indicator in indicators -%}
        {%- if indicator.get('direction') not in ['positive', 'negative'] -%}
            {{ exceptions.raise_compiler_error("var medres_rsr_indicators: indicator '" ~ indicator.get('name') ~ "' has direction '" ~ indicator.get('direction') ~ "'; use 'positive' or 'negative'") }}
        {%- endif -%}
        {%- if indicator.get('weight', 1) < 0 -%}
            {{ exceptions.raise_compiler_error("var medres_rsr_indicators: indicator '" ~ indicator.get('name') ~ "' has a negative weight") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(indicators) }}
{% endmacro %}

{#- Sum of the configured weights, for normalising them to 1. -#}
{% macro rsr_weight_total() %}
    {%- set total = namespace(value=0) -%}
    {%- for indicator in rsr_indicators() -%}
        {%- set total.value = total.value + indicator.get('weight', 1) -%}
    {%- endfor -%}
    {%- if total.value <= 0 -%}
        {{ exceptions.raise_compiler_error("var medres_rsr_indicators: weights sum to zero") }}
    {%- endif -%}
    {{ return(total.value) }}
{% endmacro %}
