{#- RSR = intercept + slope · probit per year, for both fit variants (the study's Table 9). -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    fit_rows,
    used_for_grading,
    intercept,
    slope,
    intercept_se,
    slope_se,
    intercept_t,
    slope_t,
    intercept_p,
    slope_p,
    r_squared,
    adj_r_squared,
    f_statistic,
    f_p_value,
    cast(n_points as {{ dbt.type_int() }}) as n_points
from {{ ref('int_rsr_regression') }}
