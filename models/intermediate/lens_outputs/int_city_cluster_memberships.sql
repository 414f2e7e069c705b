{#- The memberships output of int_city_cluster_results (see its description). -#}
select
    year,
    city_code,
    case_number,
    k,
    cluster,
    is_chosen_k
from {{ ref('int_city_cluster_results') }}
where output = 'memberships'
