{#- Per year, resource, Theil form and regional group: the group's shares of the resource and the
    population, its term of the between part and its within-group index and contribution. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    resource,
    theil_form,
    grouping,
    region_group,
    cast(n_units as {{ dbt.type_int() }}) as n_units,
    cast(resource_share as {{ type_double() }}) as resource_share,
    cast(population_share as {{ type_double() }}) as population_share,
    cast(between_term as {{ type_double() }}) as between_term,
    cast(within_index as {{ type_double() }}) as within_index,
    cast(within_contribution as {{ type_double() }}) as within_contribution,
    cast(within_contribution_pct as {{ type_double() }}) as within_contribution_pct
from {{ ref('int_inequality_theil_groups') }}
