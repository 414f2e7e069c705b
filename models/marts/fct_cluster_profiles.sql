{#- Per year and cluster of the chosen k (var medres_cluster_k): its members (the study's Tables
    2-6 list them); the means of the clustered columns are in fct_cluster_profile_means. -#}
with members as (
    select
        clusters.year,
        clusters.k,
        clusters.cluster,
        clusters.province_en,
        clusters.province_zh
    from {{ ref('fct_province_clusters') }} as clusters
    where clusters.is_chosen_k
)

select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(k as {{ dbt.type_int() }}) as k,
    cast(cluster as {{ dbt.type_int() }}) as cluster,
    cast(count(*) as {{ dbt.type_int() }}) as member_count,
    {{ listagg('province_en', "', '", 'order by province_en') }} as members_en,
    {{ listagg('province_zh', "', '", 'order by province_en') }} as members_zh
from members
group by year, k, cluster
