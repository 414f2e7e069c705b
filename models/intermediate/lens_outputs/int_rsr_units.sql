{#- The units output of int_rsr_results (see its description). -#}
select
    year,
    region_code,
    rsr,
    wrsr,
    frequency,
    cumulative_frequency,
    average_rank,
    percentile,
    probit,
    rsr_fitted,
    grade,
    grade_label
from {{ ref('int_rsr_results') }}
where output = 'units'
