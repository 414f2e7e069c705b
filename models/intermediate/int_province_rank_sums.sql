{#- RSR and WRSR per year and province from the long ranks, with the year's indicator set (in the
    order of var medres_rsr_indicators) and weighting: RSR = sum_j R_j / (m * n),
    WRSR = sum_j w_j R_j / n. The one computation of the scores: the Python grading model
    (int_rsr_results) regresses and grades this WRSR. WRSR is rounded to 12 decimals, as
    medres.rsr.rank_sum_ratio rounds it, so units whose weighted ranks tie exactly also tie here
    (the probit table groups equal values). -#}
with ranks as (
    select * from {{ ref('int_province_indicator_ranks') }}
)

select
    year,
    region_code,
    count(*) as indicator_count,
    {{ dbt.listagg('indicator', "','", "order by indicator_position") }} as indicator_set,
    max(unit_count) as unit_count,
    '{{ "entropy" if var("medres_rsr_weighting") == "entropy" else "custom" }}' as weighting,
    sum(indicator_rank) / (count(*) * max(unit_count)) as rsr,
    round(sum(weight * indicator_rank) / max(unit_count), 12) as wrsr
from ranks
group by year, region_code
