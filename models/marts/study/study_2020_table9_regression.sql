{#- The study's printed table as transcribed (seed study_2020_table9_regression_transcribed), published for the report. -#}
select
    printed_row,
    statistic,
    printed_value,
    source
from {{ ref('study_2020_table9_regression_transcribed') }}
