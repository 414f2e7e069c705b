{#- The evaluations output of int_city_rsr_results (see its description). -#}
select
    year,
    indicator_set,
    indicator_count,
    unit_count,
    weighting,
    grading_status,
    slope_p,
    alpha,
    grade_validity_test,
    grade_validity_statistic,
    grade_validity_p,
    grade_validity_reason,
    homogeneity_p,
    normality_p,
    anova_p,
    kruskal_p
from {{ ref('int_city_rsr_results') }}
where output = 'evaluations'
