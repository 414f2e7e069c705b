{#- The study's printed table, published unchanged for the report. -#}
select
    printed_row,
    study_table,
    study_group,
    province_en,
    institutions,
    health_personnel_10k,
    beds_10k,
    health_expenditure_per_capita_yuan,
    ocr_repair
from {{ ref('study_2020_tables2_6_totals_transcribed') }}
