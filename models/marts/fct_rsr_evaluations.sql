{#- One row per year: which indicators the RSR of the year ranks on, and whether its grading was
    done or refused (slope not significant), so one year cannot sink the others; and whether
    the WRSR differs across grades (one-way ANOVA or Kruskal-Wallis): a consistency check that
    holds by construction, since the grades are intervals of the fitted RSR. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    indicator_set,
    cast(indicator_count as {{ dbt.type_int() }}) as indicator_count,
    cast(unit_count as {{ dbt.type_int() }}) as unit_count,
    weighting,
    grading_status,
    slope_p,
    alpha,
    grade_validity_test,
    cast(grade_validity_statistic as {{ type_double() }}) as grade_validity_statistic,
    cast(grade_validity_p as {{ type_double() }}) as grade_validity_p,
    grade_validity_reason,
    cast(homogeneity_p as {{ type_double() }}) as homogeneity_p,
    cast(normality_p as {{ type_double() }}) as normality_p,
    cast(anova_p as {{ type_double() }}) as anova_p,
    cast(kruskal_p as {{ type_double() }}) as kruskal_p
from {{ ref('int_rsr_evaluations') }}
