{#- The evaluations output of int_rsr_results (see its description), with the year's indicator set
    and weighting from the SQL scores it graded (int_province_rank_sums). -#}
with indicator_sets as (
    select distinct
        year,
        indicator_set,
        indicator_count,
        weighting
    from {{ ref('int_province_rank_sums') }}
)

select
    results.year,
    indicator_sets.indicator_set,
    indicator_sets.indicator_count,
    results.unit_count,
    indicator_sets.weighting,
    results.grading_status,
    results.slope_p,
    results.alpha,
    results.grade_validity_test,
    results.grade_validity_statistic,
    results.grade_validity_p,
    results.grade_validity_reason,
    results.homogeneity_p,
    results.normality_p,
    results.anova_p,
    results.kruskal_p
from {{ ref('int_rsr_results') }} as results
inner join indicator_sets on results.year = indicator_sets.year
where results.output = 'evaluations'
