{#- The configured RSR indicators (var medres_rsr_indicators: any number, any names) in long shape:
    one row per year, province and indicator that has a value. An indicator with no value in a
    year (per-capita health expenditure outside its sourced years) has no rows for that year and
    so is not part of that year's indicator set; it is never filled in from another year.
    indicator_position is the indicator's place in the var's list: indicator sets are listed in
    that order, in SQL and in the Python evaluation alike. -#}
{%- set indicators = rsr_indicators() -%}
{%- set weight_total = rsr_weight_total() -%}

with per_capita as (
    select * from {{ ref('int_province_per_capita') }}
)

{% for indicator in indicators -%}
    select
        year,
        region_code,
        '{{ indicator.name }}' as indicator,
        cast({{ loop.index }} as {{ dbt.type_int() }}) as indicator_position,
        '{{ indicator.column }}' as indicator_column,
        '{{ indicator.direction }}' as direction,
        cast({{ indicator.get('weight', 1) }} as {{ type_double() }}) as configured_weight,
        cast({{ indicator.column }} as {{ type_double() }}) as indicator_value
    from per_capita
    where {{ indicator.column }} is not null
    {% if not loop.last %}union all
    {% endif %}
{%- endfor %}
