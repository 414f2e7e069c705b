{#- Cluster of each province per year and k (the study's Table 1 for k = medres_cluster_k),
    from the Python model int_cluster_memberships. (docs block clustering_method) -#}
select
    cast(memberships.year as {{ dbt.type_int() }}) as year,
    memberships.region_code,
    names.province_zh,
    names.province_en,
    cast(memberships.k as {{ dbt.type_int() }}) as k,
    cast(memberships.cluster as {{ dbt.type_int() }}) as cluster,
    memberships.is_chosen_k
from {{ ref('int_cluster_memberships') }} as memberships
left join {{ ref('int_region_names') }} as names
    on memberships.region_code = names.region_code
