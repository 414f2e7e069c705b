-- Per year the chosen-k profiles hold k non-empty clusters whose member counts sum to the units
-- clustered, and each cluster's member count equals its number of units in fct_province_clusters.
with units as (
    select year, count(*) as units
    from {{ ref('int_province_resource_totals') }}
    group by year
),

profiles as (
    select year, count(*) as clusters, min(k) as k, sum(member_count) as members
    from {{ ref('fct_cluster_profiles') }}
    group by year
),

chosen_members as (
    select year, cluster, count(*) as members
    from {{ ref('fct_province_clusters') }}
    where is_chosen_k
    group by year, cluster
),

year_failures as (
    select
        units.year,
        cast(null as {{ dbt.type_int() }}) as cluster,
        'the profiles do not cover the units in medres_cluster_k clusters' as problem
    from units
    left join profiles on units.year = profiles.year
    where
        profiles.year is null
        or profiles.members <> units.units
        or profiles.clusters <> profiles.k
        or profiles.k <> {{ var('medres_cluster_k') }}
),

cluster_failures as (
    select
        coalesce(profiles.year, chosen_members.year) as year,
        coalesce(profiles.cluster, chosen_members.cluster) as cluster,
        'member_count differs from the cluster''s units in fct_province_clusters' as problem
    from {{ ref('fct_cluster_profiles') }} as profiles
    full outer join chosen_members
        on profiles.year = chosen_members.year and profiles.cluster = chosen_members.cluster
    where profiles.member_count is distinct from chosen_members.members
)

select * from year_failures
union all
select * from cluster_failures
