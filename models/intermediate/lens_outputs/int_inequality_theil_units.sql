{#- The theil_units output of int_inequality_results (see its description). -#}
select
    year,
    resource,
    theil_form,
    region_code,
    resource_share,
    population_share,
    term,
    contribution_pct
from {{ ref('int_inequality_results') }}
where output = 'theil_units'
