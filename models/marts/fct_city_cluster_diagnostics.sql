{#- Per year and k, the diagnostics of the city clustering, with the sizes of the k clusters: a
    solution whose clusters are mostly single outlying cities separates outliers, not groups. -#}
with sizes as (
    select year, k, cluster, count(*) as members
    from {{ ref('int_city_cluster_memberships') }}
    group by year, k, cluster
),

size_summary as (
    select
        year,
        k,
        sum(members) as unit_count,
        min(members) as smallest_cluster,
        max(members) as largest_cluster,
        count(case when members = 1 then 1 end) as singleton_clusters
    from sizes
    group by year, k
)

select
    cast(diagnostics.year as {{ dbt.type_int() }}) as year,
    cast(diagnostics.k as {{ dbt.type_int() }}) as k,
    cast(size_summary.unit_count as {{ dbt.type_int() }}) as unit_count,
    cast(diagnostics.coefficient_at_cut as {{ type_double() }}) as coefficient_at_cut,
    cast(diagnostics.coefficient_jump as {{ type_double() }}) as coefficient_jump,
    cast(diagnostics.silhouette as {{ type_double() }}) as silhouette,
    cast(diagnostics.cophenetic_correlation as {{ type_double() }}) as cophenetic_correlation,
    cast(size_summary.smallest_cluster as {{ dbt.type_int() }}) as smallest_cluster,
    cast(size_summary.largest_cluster as {{ dbt.type_int() }}) as largest_cluster,
    cast(size_summary.singleton_clusters as {{ dbt.type_int() }}) as singleton_clusters,
    diagnostics.is_chosen_k,
    diagnostics.cluster_columns
from {{ ref('int_city_cluster_diagnostics') }} as diagnostics
inner join size_summary
    on diagnostics.year = size_summary.year and diagnostics.k = size_summary.k
