{#- Per year and cluster of the chosen k (var medres_cluster_k): members and the mean of each total
    resource indicator (the shape of the study's Tables 2-6). -#}
with members as (
    select
        clusters.year,
        clusters.k,
        clusters.cluster,
        clusters.province_en,
        clusters.province_zh,
        totals.institutions,
        totals.health_personnel_10k,
        totals.beds_10k,
        totals.health_expenditure_per_capita_yuan
    from {{ ref('fct_province_clusters') }} as clusters
    join {{ ref('int_province_resource_totals') }} as totals
        on clusters.year = totals.year
        and clusters.region_code = totals.region_code
    where clusters.is_chosen_k
)

select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(k as {{ dbt.type_int() }}) as k,
    cast(cluster as {{ dbt.type_int() }}) as cluster,
    cast(count(*) as {{ dbt.type_int() }}) as member_count,
    {{ listagg('province_en', "', '", 'order by province_en') }} as members_en,
    {{ listagg('province_zh', "', '", 'order by province_en') }} as members_zh,
    cast(avg(institutions) as {{ type_double() }}) as mean_institutions,
    cast(avg(health_personnel_10k) as {{ type_double() }}) as mean_health_personnel_10k,
    cast(avg(beds_10k) as {{ type_double() }}) as mean_beds_10k,
    cast(avg(health_expenditure_per_capita_yuan) as {{ type_double() }}) as mean_health_expenditure_per_capita_yuan
from members
group by year, k, cluster
