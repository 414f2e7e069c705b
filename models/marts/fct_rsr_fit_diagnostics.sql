{#- How well does the RSR-on-probit line fit? Per year and fit variant, diagnostics that can fail
    (the slope's significance cannot: the probit is a function of the rank of the value it is
    regressed against): R², curvature (quadratic term = RESET), runs of the residual signs,
    ties among the WRSR values (medres.rsr.fit_diagnostics). -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    fit_rows,
    used_for_grading,
    cast(n_points as {{ dbt.type_int() }}) as n_points,
    cast(r_squared as {{ type_double() }}) as r_squared,
    cast(residual_se as {{ type_double() }}) as residual_se,
    cast(curvature_coefficient as {{ type_double() }}) as curvature_coefficient,
    cast(curvature_t as {{ type_double() }}) as curvature_t,
    cast(curvature_p as {{ type_double() }}) as curvature_p,
    cast(runs as {{ dbt.type_int() }}) as runs,
    cast(runs_expected as {{ type_double() }}) as runs_expected,
    cast(runs_z as {{ type_double() }}) as runs_z,
    cast(runs_p as {{ type_double() }}) as runs_p,
    cast(n_units as {{ dbt.type_int() }}) as n_units,
    cast(n_distinct as {{ dbt.type_int() }}) as n_distinct,
    cast(n_tied_units as {{ dbt.type_int() }}) as n_tied_units,
    cast(largest_tie as {{ dbt.type_int() }}) as largest_tie
from {{ ref('int_rsr_fit_diagnostics') }}
