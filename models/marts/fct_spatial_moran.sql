{#- Global Moran's I of each per-capita indicator per year over the provinces (row-standardised
    queen weights), with normal and permutation inference. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(indicator as varchar) as indicator,
    cast(n_units as {{ dbt.type_int() }}) as n_units,
    cast(moran_i as {{ type_double() }}) as moran_i,
    cast(expected_i as {{ type_double() }}) as expected_i,
    cast(z_normal as {{ type_double() }}) as z_normal,
    cast(p_normal as {{ type_double() }}) as p_normal,
    cast(z_permutation as {{ type_double() }}) as z_permutation,
    cast(p_permutation as {{ type_double() }}) as p_permutation,
    cast(permutations as {{ dbt.type_int() }}) as permutations,
    cast(seed as {{ dbt.type_int() }}) as seed
from {{ ref('int_spatial_moran') }}
