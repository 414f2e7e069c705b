{#- Leaves of the dendrogram per year in drawing order (the study's Fig. 2). -#}
select
    cast(leaves.year as {{ dbt.type_int() }}) as year,
    cast(leaves.leaf_position as {{ dbt.type_int() }}) as leaf_position,
    leaves.region_code,
    names.province_en,
    cast(leaves.case_number as {{ dbt.type_int() }}) as case_number
from {{ ref('int_cluster_leaves') }} as leaves
left join {{ ref('int_region_names') }} as names
    on leaves.region_code = names.region_code
