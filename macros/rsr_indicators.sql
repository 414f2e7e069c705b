{#- The RSR indicator configuration, so every model reads the same list:
    var('medres_rsr_indicators') items {name, column, direction: positive|negative, weight >= 0},
    checked against its spec in macros/medres_vars.sql. -#}
{% macro rsr_indicators() %}
    {{ return(medres_var('medres_rsr_indicators')) }}
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
