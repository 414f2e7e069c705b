{#- The worst grade of a year has no lower bound: probit_lower and rsr_lower are null (not -inf,
    NaN or a sentinel, the same as medres.rsr.grade_thresholds returns); every other grade has
    both bounds. -#}
with graded as (
    select
        *,
        max(grade) over (partition by year) as worst_grade
    from {{ ref('fct_rsr_grade_thresholds') }}
)

select year, grade, probit_lower, rsr_lower
from graded
where
    (grade = worst_grade and (probit_lower is not null or rsr_lower is not null))
    or (grade < worst_grade and (probit_lower is null or rsr_lower is null))
