{#- The HEAT lens's disaggregated data per year, level, indicator and unit, with the unit's rank
    by per-capita gross regional product (provinces; 1 = lowest) and whether it is the reference
    subgroup (var medres_heat_reference_subgroup). The HEAT Plus upload file is written from it
    (make heat-export). -#}
{%- set code = var('medres_heat_reference_subgroup') -%}
{%- set reference = "'" ~ code ~ "'" if code is not none else 'null' %}
select
    cast(year as {{ dbt.type_int() }}) as year,
    level,
    indicator,
    indicator_name,
    unit_code,
    unit_name,
    estimate,
    population,
    favourable,
    scale,
    order_value as gdp_per_capita_yuan,
    case
        when order_value is not null
            then cast(row_number() over (
                partition by year, level, indicator order by order_value, unit_code
            ) as {{ dbt.type_int() }})
    end as gdp_rank,
    coalesce(unit_code = {{ reference }}, false) as is_reference
from {{ ref('int_heat_disaggregated') }}
