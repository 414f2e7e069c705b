{#- The study's printed table, published unchanged for the report. -#}
select
    printed_row,
    grade,
    grade_label,
    percentile_lower,
    probit_lower,
    rsr_lower
from {{ ref('study_2020_table10_thresholds_transcribed') }}
