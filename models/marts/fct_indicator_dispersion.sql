{#- Coefficient of variation of each per-capita indicator per year: unweighted (sample SD / mean)
    and population-weighted (Williamson), the simplest dispersion measures. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    indicator,
    cast(n_units as {{ dbt.type_int() }}) as n_units,
    cast(mean as {{ type_double() }}) as mean_value,
    cast(sd as {{ type_double() }}) as sd,
    cast(cv as {{ type_double() }}) as cv,
    cast(weighted_mean as {{ type_double() }}) as weighted_mean,
    cast(weighted_cv as {{ type_double() }}) as weighted_cv
from {{ ref('int_inequality_dispersion') }}
