{#- The leaves output of int_cluster_results (see its description). -#}
select
    year,
    leaf_position,
    region_code,
    case_number
from {{ ref('int_cluster_results') }}
where output = 'leaves'
