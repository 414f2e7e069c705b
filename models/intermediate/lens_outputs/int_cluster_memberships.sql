{#- The memberships output of int_cluster_results (see its description). -#}
select
    year,
    region_code,
    case_number,
    k,
    cluster,
    is_chosen_k
from {{ ref('int_cluster_results') }}
where output = 'memberships'
