{#- Per year, resource, Theil form and province: the province's term of the national Theil index
    (T: s ln(s/p), L: p ln(p/s), with s and p its shares of the resource and the population) and that
    term as a percentage of the index; the terms add up to the total of fct_inequality_theil. -#}
select
    cast(units.year as {{ dbt.type_int() }}) as year,
    units.resource,
    units.theil_form,
    units.region_code,
    names.province_en,
    cast(units.resource_share as {{ type_double() }}) as resource_share,
    cast(units.population_share as {{ type_double() }}) as population_share,
    cast(units.term as {{ type_double() }}) as theil_term,
    cast(units.contribution_pct as {{ type_double() }}) as contribution_pct
from {{ ref('int_inequality_theil_units') }} as units
left join {{ ref('int_region_names') }} as names
    on units.region_code = names.region_code
