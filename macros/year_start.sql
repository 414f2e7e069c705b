{#- January 1 of an integer year column, as a date: the year dimension of the semantic layer
    (MetricFlow's time dimensions must be dates). Built from standard casts and dbt's concat so it
    renders on any adapter. -#}
{% macro year_start(year_column) -%}
    cast({{ dbt.concat(["cast(" ~ year_column ~ " as " ~ dbt.type_string() ~ ")", "'-01-01'"]) }} as date)
{%- endmacro %}
