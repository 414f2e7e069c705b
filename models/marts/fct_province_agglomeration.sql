{#- Health-resource agglomeration degree (HRAD = resource share / land-area share), population
    agglomeration degree (PAD = population share / land-area share) and HRAD / PAD per year,
    resource and province. 1 = the national average. -#}
select
    cast(agglomeration.year as {{ dbt.type_int() }}) as year,
    agglomeration.region_code,
    names.province_en,
    agglomeration.resource,
    cast(agglomeration.resource_share as {{ type_double() }}) as resource_share,
    cast(agglomeration.population_share as {{ type_double() }}) as population_share,
    cast(agglomeration.area_share as {{ type_double() }}) as area_share,
    cast(agglomeration.hrad as {{ type_double() }}) as hrad,
    cast(agglomeration.pad as {{ type_double() }}) as pad,
    cast(agglomeration.hrad_pad_ratio as {{ type_double() }}) as hrad_pad_ratio
from {{ ref('int_inequality_agglomeration') }} as agglomeration
left join {{ ref('int_region_names') }} as names
    on agglomeration.region_code = names.region_code
