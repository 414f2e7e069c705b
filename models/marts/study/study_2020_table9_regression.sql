{#- The study's printed table, published unchanged for the report. -#}
select
    printed_row,
    statistic,
    printed_value,
    source
from {{ ref('study_2020_table9_regression_transcribed') }}
