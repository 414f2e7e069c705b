{#- The RSR evaluation per year and province (the study's Tables 8 and 11): indicator values and
    ranks from SQL, RSR, probit, fitted RSR and grade from the Python model int_rsr_units. -#}
select
    ranks.year,
    ranks.region_code,
    names.province_zh,
    names.province_en,
    ranks.r1_value,
    ranks.r2_value,
    ranks.r3_value,
    ranks.r4_value,
    ranks.r1_rank,
    ranks.r2_rank,
    ranks.r3_rank,
    ranks.r4_rank,
    evaluation.rsr,
    evaluation.wrsr,
    cast(evaluation.frequency as {{ dbt.type_int() }}) as frequency,
    cast(evaluation.cumulative_frequency as {{ dbt.type_int() }}) as cumulative_frequency,
    evaluation.average_rank,
    evaluation.percentile,
    evaluation.probit,
    evaluation.rsr_fitted,
    cast(evaluation.grade as {{ dbt.type_int() }}) as grade,
    evaluation.grade_label,
    rank() over (partition by ranks.year order by evaluation.wrsr desc) as position
from {{ ref('int_province_indicator_ranks') }} as ranks
join {{ ref('int_rsr_units') }} as evaluation
    on ranks.year = evaluation.year
    and ranks.region_code = evaluation.region_code
left join {{ ref('int_region_names') }} as names
    on ranks.region_code = names.region_code
