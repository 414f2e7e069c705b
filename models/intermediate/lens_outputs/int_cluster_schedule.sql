{#- The schedule output of int_cluster_results (see its description). -#}
select
    year,
    stage,
    cluster_1,
    cluster_2,
    cluster_1_region_code,
    cluster_2_region_code,
    coefficient,
    cluster_1_first_stage,
    cluster_2_first_stage,
    next_stage,
    rescaled_distance
from {{ ref('int_cluster_results') }}
where output = 'schedule'
