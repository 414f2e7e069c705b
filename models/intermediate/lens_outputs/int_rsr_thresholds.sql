{#- The thresholds output of int_rsr_results (see its description). -#}
select
    year,
    grade,
    grade_label,
    percentile_lower,
    probit_lower,
    rsr_lower
from {{ ref('int_rsr_results') }}
where output = 'thresholds'
