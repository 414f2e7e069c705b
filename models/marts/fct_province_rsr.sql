{#- The RSR evaluation per year and province (the study's Tables 8 and 11): the year's indicator
    set, RSR and WRSR from SQL (int_province_rank_sums), probit, fitted RSR and grade from their
    grading (int_rsr_units).
    The indicator values and ranks are in fct_province_indicator_ranks (one row per indicator, so
    any number of indicators, any names). Grade is null in a year whose grading was refused
    (fct_rsr_evaluations.grading_status). -#}
select
    sums.year,
    sums.region_code,
    names.province_zh,
    names.province_en,
    sums.indicator_set,
    cast(sums.indicator_count as {{ dbt.type_int() }}) as indicator_count,
    sums.rsr,
    sums.wrsr,
    cast(evaluation.frequency as {{ dbt.type_int() }}) as frequency,
    cast(evaluation.cumulative_frequency as {{ dbt.type_int() }}) as cumulative_frequency,
    evaluation.average_rank,
    evaluation.percentile,
    evaluation.probit,
    evaluation.rsr_fitted,
    cast(evaluation.grade as {{ dbt.type_int() }}) as grade,
    evaluation.grade_label,
    rank() over (partition by sums.year order by sums.wrsr desc) as position
from {{ ref('int_province_rank_sums') }} as sums
inner join {{ ref('int_rsr_units') }} as evaluation
    on
        sums.year = evaluation.year
        and sums.region_code = evaluation.region_code
left join {{ ref('int_region_names') }} as names
    on sums.region_code = names.region_code
