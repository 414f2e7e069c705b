{#- The study's printed table, published unchanged for the report. -#}
select
    printed_row,
    grade,
    grade_label,
    province_en
from {{ ref('study_2020_table11_grades_transcribed') }}
