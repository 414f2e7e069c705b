{#- fct_target_gaps with the year as a date and the additive parts of the target metrics: whether
    the province is at the target (1/0) and, for per-1,000 targets, the resource short of the
    target (max(target − value, 0) × population in thousands: beds still needed). -#}
with gaps as (
    select * from {{ ref('fct_target_gaps') }}
),

per_capita as (
    select year, region_code, population_10k from {{ ref('fct_province_per_capita') }}
)

select
    gaps.year,
    {{ year_start('gaps.year') }} as year_start,
    gaps.region_code,
    gaps.target_id,
    gaps.medres_column,
    case when gaps.is_at_target then 1 else 0 end as at_target,
    1 as evaluated,
    case
        when gaps.medres_column like '%\_per\_1000' escape '\'
            then greatest(gaps.target_value - gaps.indicator_value, 0) * per_capita.population_10k * 10
    end as shortfall
from gaps
inner join per_capita on gaps.year = per_capita.year and gaps.region_code = per_capita.region_code
