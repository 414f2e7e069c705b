{#- The study's printed table, published unchanged for the report. -#}
select
    printed_row,
    province,
    r1_rank,
    r2_rank,
    r3_rank,
    r4_rank,
    printed_rsr
from {{ ref('study_2020_table8_rsr_ranks_transcribed') }}
