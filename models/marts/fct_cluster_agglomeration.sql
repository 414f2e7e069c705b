{#- SPSS agglomeration schedule per year, with the region code of each case number and the merge's
    position on the dendrogram's 0-25 axis (the study's Fig. 2). (docs block clustering_method) -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(stage as {{ dbt.type_int() }}) as stage,
    cast(cluster_1 as {{ dbt.type_int() }}) as cluster_1,
    cast(cluster_2 as {{ dbt.type_int() }}) as cluster_2,
    cluster_1_region_code,
    cluster_2_region_code,
    cast(coefficient as {{ type_double() }}) as coefficient,
    cast(cluster_1_first_stage as {{ dbt.type_int() }}) as cluster_1_first_stage,
    cast(cluster_2_first_stage as {{ dbt.type_int() }}) as cluster_2_first_stage,
    cast(next_stage as {{ dbt.type_int() }}) as next_stage,
    cast(rescaled_distance as {{ type_double() }}) as rescaled_distance
from {{ ref('int_cluster_schedule') }}
