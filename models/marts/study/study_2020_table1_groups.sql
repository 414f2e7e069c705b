{#- The study's printed table, published unchanged for the report. -#}
select
    printed_row,
    study_group,
    medres_cluster,
    province_en
from {{ ref('study_2020_table1_groups_transcribed') }}
