{#- The theil_units output of int_city_inequality_results (see its description). -#}
select
    year,
    city_code,
    province_code,
    resource_share,
    population_share,
    group_resource_share,
    group_population_share,
    within_term,
    within_contribution_pct,
    theil_form,
    resource
from {{ ref('int_city_inequality_results') }}
where output = 'theil_units'
