{#- The dispersion output of int_inequality_results (see its description). -#}
select
    year,
    indicator,
    n_units,
    mean,
    sd,
    cv,
    weighted_mean,
    weighted_cv
from {{ ref('int_inequality_results') }}
where output = 'dispersion'
