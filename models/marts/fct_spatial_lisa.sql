{#- Local Moran (LISA) per year, indicator and province: the cluster label (High-High, Low-Low,
    High-Low, Low-High, Not significant) after false-discovery-rate control. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(indicator as varchar) as indicator,
    cast(region_code as varchar) as region_code,
    cast(value as {{ type_double() }}) as indicator_value,
    cast(local_i as {{ type_double() }}) as local_i,
    cast(quadrant as {{ dbt.type_int() }}) as quadrant,
    cast(p_permutation as {{ type_double() }}) as p_permutation,
    cast(p_threshold as {{ type_double() }}) as p_threshold,
    cast(is_significant as boolean) as is_significant,
    cast(cluster as varchar) as cluster
from {{ ref('int_spatial_lisa') }}
