{#- The lisa output of int_spatial_results (see its description). -#}
select
    year,
    indicator,
    region_code,
    value,
    local_i,
    quadrant,
    p_permutation,
    p_threshold,
    is_significant,
    cluster
from {{ ref('int_spatial_results') }}
where output = 'lisa'
