{#- The theil output of int_city_inequality_results (see its description). -#}
select
    year,
    theil_form,
    component,
    level,
    parent_level,
    label,
    value,
    contribution_pct,
    resource,
    n_units
from {{ ref('int_city_inequality_results') }}
where output = 'theil'
