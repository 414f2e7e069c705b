{#- A 64-bit float type name per adapter. dbt's own type_float() renders "float", which DuckDB
    reads as a 32-bit REAL: too coarse for per-capita ratios. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'medres')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro bigquery__type_double() -%}float64{%- endmacro %}
