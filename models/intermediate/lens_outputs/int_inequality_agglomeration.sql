{#- The agglomeration output of int_inequality_results (see its description). -#}
select
    year,
    region_code,
    resource_share,
    population_share,
    area_share,
    hrad,
    pad,
    hrad_pad_ratio,
    resource
from {{ ref('int_inequality_results') }}
where output = 'agglomeration'
