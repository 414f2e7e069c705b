{#- Health technicians only for the years where the series covers every province of the year:
    R3 counts technicians there and falls back to health personnel in a year with a gap (a
    partial year would rank provinces on two different counts). -#}
with totals as (
    select * from {{ ref('int_province_resource_totals') }}
),

complete_years as (
    select year
    from totals
    group by year
    having count(health_technicians_10k) = count(*)
)

select totals.year, totals.region_code, totals.health_technicians_10k
from totals
inner join complete_years on totals.year = complete_years.year
