{#- Per year and k, the diagnostics for choosing the number of clusters. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(k as {{ dbt.type_int() }}) as k,
    cast(coefficient_at_cut as {{ type_double() }}) as coefficient_at_cut,
    cast(coefficient_jump as {{ type_double() }}) as coefficient_jump,
    cast(silhouette as {{ type_double() }}) as silhouette,
    cast(cophenetic_correlation as {{ type_double() }}) as cophenetic_correlation,
    cluster_columns
from {{ ref('int_cluster_diagnostics') }}
