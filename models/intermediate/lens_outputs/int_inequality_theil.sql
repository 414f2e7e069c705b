{#- The theil output of int_inequality_results (see its description). -#}
select
    year,
    theil_form,
    grouping,
    component,
    value,
    contribution_pct,
    resource
from {{ ref('int_inequality_results') }}
where output = 'theil'
