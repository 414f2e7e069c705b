-- Every year has every k of medres_cluster_k_min..k_max, exactly one of them chosen
-- (medres_cluster_k), and every k-cluster solution uses each label 1..k (no empty cluster).
{%- set k_min = var('medres_cluster_k_min') %}
{%- set k_max = var('medres_cluster_k_max') %}
with solutions as (
    select year, k, count(distinct cluster) as clusters, min(cluster) as lowest, max(cluster) as highest
    from {{ ref('fct_province_clusters') }}
    group by year, k
),

years as (
    select
        year,
        count(*) as ks,
        min(k) as k_low,
        max(k) as k_high
    from solutions
    group by year
),

chosen as (
    select year, count(distinct k) as chosen_ks, min(k) as chosen_k
    from {{ ref('fct_province_clusters') }}
    where is_chosen_k
    group by year
)

select 'solution' as failure, year, k, clusters as value
from solutions
where clusters <> k or lowest <> 1 or highest <> k
union all
select 'k range' as failure, year, null as k, ks as value
from years
where ks <> {{ k_max - k_min + 1 }} or k_low <> {{ k_min }} or k_high <> {{ k_max }}
union all
select 'chosen k' as failure, years.year, chosen.chosen_k as k, chosen.chosen_ks as value
from years
left join chosen on years.year = chosen.year
where chosen.year is null or chosen.chosen_ks <> 1 or chosen.chosen_k <> {{ var('medres_cluster_k') }}
