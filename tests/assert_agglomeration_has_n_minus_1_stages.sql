-- Per year the schedule has stages 1..n−1 for the n units clustered, ends with one merge at the
-- top of the dendrogram (rescaled 25, next_stage 0), and each case number names the region code
-- the dendrogram leaves give it.
with units as (
    select year, count(*) as units
    from {{ ref('int_province_resource_totals') }}
    group by year
),

stages as (
    select
        year,
        count(*) as stage_rows,
        count(distinct stage) as stage_count,
        min(stage) as first_stage,
        max(stage) as last_stage,
        sum(case when next_stage = 0 then 1 else 0 end) as final_merges,
        max(rescaled_distance) as top
    from {{ ref('fct_cluster_agglomeration') }}
    group by year
),

case_mismatch as (
    select schedule.year, count(*) as mismatches
    from {{ ref('fct_cluster_agglomeration') }} as schedule
    left join {{ ref('fct_cluster_dendrogram_leaves') }} as first_leaf
        on schedule.year = first_leaf.year and schedule.cluster_1 = first_leaf.case_number
    left join {{ ref('fct_cluster_dendrogram_leaves') }} as second_leaf
        on schedule.year = second_leaf.year and schedule.cluster_2 = second_leaf.case_number
    where
        first_leaf.region_code is null
        or second_leaf.region_code is null
        or first_leaf.region_code <> schedule.cluster_1_region_code
        or second_leaf.region_code <> schedule.cluster_2_region_code
        or schedule.cluster_1 >= schedule.cluster_2
    group by schedule.year
)

select units.year, units.units, stages.stage_rows, case_mismatch.mismatches
from units
left join stages on units.year = stages.year
left join case_mismatch on units.year = case_mismatch.year
where
    stages.year is null
    or stages.stage_rows <> units.units - 1
    or stages.stage_count <> units.units - 1
    or stages.first_stage <> 1
    or stages.last_stage <> units.units - 1
    or stages.final_merges <> 1
    or stages.top <> 25
    or case_mismatch.mismatches > 0
