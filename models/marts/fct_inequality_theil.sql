{#- Theil index per year and resource in both forms (theil_t: resource-share weighted, GE(1);
    theil_l: population-share weighted, mean log deviation, GE(0)), with its exact decomposition
    into between-region and within-region parts for each regional division. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    resource,
    theil_form,
    grouping,
    component,
    cast(value as {{ type_double() }}) as theil_value,
    cast(contribution_pct as {{ type_double() }}) as contribution_pct
from {{ ref('int_inequality_theil') }}
