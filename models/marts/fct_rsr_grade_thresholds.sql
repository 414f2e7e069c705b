{#- Grade cut-offs per year (the study's Table 10). A unit is in grade g when its graded RSR is
    >= rsr_lower of g and below rsr_lower of g - 1. The worst grade has no lower bound (null). -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(grade as {{ dbt.type_int() }}) as grade,
    grade_label,
    percentile_lower,
    case when probit_lower > -1e300 then probit_lower end as probit_lower,
    case when rsr_lower > -1e300 then rsr_lower end as rsr_lower
from {{ ref('int_rsr_thresholds') }}
