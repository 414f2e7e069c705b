{#- The theil_groups output of int_inequality_results (see its description). -#}
select
    year,
    theil_form,
    grouping,
    region_group,
    n_units,
    resource_share,
    population_share,
    between_term,
    within_index,
    within_contribution,
    within_contribution_pct,
    resource
from {{ ref('int_inequality_results') }}
where output = 'theil_groups'
