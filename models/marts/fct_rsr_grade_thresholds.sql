{#- Grade cut-offs per year (the study's Table 10). A unit is in grade g when its graded RSR is
    >= rsr_lower of g and below rsr_lower of g - 1. The worst grade has no lower bound: null here
    and in medres.rsr.grade_thresholds (the Python model writes it as null, not a sentinel). -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(grade as {{ dbt.type_int() }}) as grade,
    grade_label,
    percentile_lower,
    probit_lower,
    rsr_lower
from {{ ref('int_rsr_thresholds') }}
