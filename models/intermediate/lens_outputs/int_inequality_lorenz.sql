{#- The lorenz output of int_inequality_results (see its description). -#}
select
    year,
    point,
    region_code,
    cumulative_weight_share,
    cumulative_resource_share,
    weight_basis,
    resource
from {{ ref('int_inequality_results') }}
where output = 'lorenz'
