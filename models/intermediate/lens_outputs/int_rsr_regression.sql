{#- The regression output of int_rsr_results (see its description). -#}
select
    year,
    fit_rows,
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
    n_points,
    used_for_grading
from {{ ref('int_rsr_results') }}
where output = 'regression'
