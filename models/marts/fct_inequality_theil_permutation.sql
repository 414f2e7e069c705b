{#- Is a regional gap larger than chance? Per year, resource, regional division and Theil form,
    the observed between-region share of the Theil index and its permutation p-value: the share
    of random reassignments of the provinces to the regions (group sizes kept) whose between share
    reaches the observed one (medres.robustness.theil_between_permutation). -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    resource,
    grouping,
    theil_form,
    cast(n_units as {{ dbt.type_int() }}) as n_units,
    cast(n_groups as {{ dbt.type_int() }}) as n_groups,
    cast(total as {{ type_double() }}) as theil_total,
    cast(between as {{ type_double() }}) as between_value,
    cast(between_share as {{ type_double() }}) as between_share,
    cast(permutations as {{ dbt.type_int() }}) as permutations,
    cast(n_at_least as {{ dbt.type_int() }}) as n_at_least,
    cast(p_value as {{ type_double() }}) as p_value,
    cast(null_mean_share as {{ type_double() }}) as null_mean_share,
    cast(null_p95_share as {{ type_double() }}) as null_p95_share,
    p_value < {{ medres_var('medres_inequality_alpha') }} as is_larger_than_chance
from {{ ref('int_inequality_theil_permutation') }}
