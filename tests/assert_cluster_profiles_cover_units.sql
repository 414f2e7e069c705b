-- Per year the chosen-k profiles hold k non-empty clusters whose member counts sum to the units
-- clustered, and their member lists agree with fct_province_clusters.
with units as (
    select year, count(*) as units
    from {{ ref('int_province_resource_totals') }}
    group by year
),

profiles as (
    select year, count(*) as clusters, min(k) as k, sum(member_count) as members
    from {{ ref('fct_cluster_profiles') }}
    group by year
)

select units.year, units.units, profiles.members, profiles.clusters, profiles.k
from units
left join profiles on units.year = profiles.year
where profiles.year is null
   or profiles.members <> units.units
   or profiles.clusters <> profiles.k
   or profiles.k <> {{ var('medres_cluster_k') }}
