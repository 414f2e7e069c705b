{#- RSR and configured-weight WRSR per year and province from the long ranks, with the year's
    indicator set (in the order of var medres_rsr_indicators, as the Python evaluation lists it):
    RSR = sum_j R_j / (m * n), WRSR = sum_j w_j R_j / n. -#}
with ranks as (
    select * from {{ ref('int_province_indicator_ranks') }}
)

select
    year,
    region_code,
    count(*) as indicator_count,
    {{ dbt.listagg('indicator', "','", "order by indicator_position") }} as indicator_set,
    max(unit_count) as unit_count,
    sum(indicator_rank) / (count(*) * max(unit_count)) as rsr,
    sum(weight * indicator_rank) / max(unit_count) as wrsr
from ranks
group by year, region_code
