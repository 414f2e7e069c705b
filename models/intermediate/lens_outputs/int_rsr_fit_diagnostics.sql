{#- The fit_diagnostics output of int_rsr_results (see its description). -#}
select
    year,
    fit_rows,
    n_points,
    r_squared,
    residual_se,
    curvature_coefficient,
    curvature_t,
    curvature_p,
    runs,
    runs_expected,
    runs_z,
    runs_p,
    n_units,
    n_distinct,
    n_tied_units,
    largest_tie,
    used_for_grading
from {{ ref('int_rsr_results') }}
where output = 'fit_diagnostics'
