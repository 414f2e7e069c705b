{#- Points of the Lorenz curves per year, resource and weight basis (population, land area):
    point 0 is the origin, then the provinces by resource per unit of weight, ascending. -#}
select
    cast(curves.year as {{ dbt.type_int() }}) as year,
    curves.resource,
    curves.weight_basis,
    cast(curves.point as {{ dbt.type_int() }}) as point,
    curves.region_code,
    names.province_en,
    cast(curves.cumulative_weight_share as {{ type_double() }}) as cumulative_weight_share,
    cast(curves.cumulative_resource_share as {{ type_double() }}) as cumulative_resource_share
from {{ ref('int_inequality_lorenz') }} as curves
left join {{ ref('int_region_names') }} as names
    on curves.region_code = names.region_code
