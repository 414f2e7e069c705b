{#- One row per year: which indicators the RSR of the year ranks on, and whether its grading was
    done or refused (slope not significant), so one year cannot sink the others. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    indicator_set,
    cast(indicator_count as {{ dbt.type_int() }}) as indicator_count,
    cast(unit_count as {{ dbt.type_int() }}) as unit_count,
    weighting,
    grading_status,
    slope_p,
    alpha
from {{ ref('int_rsr_evaluations') }}
