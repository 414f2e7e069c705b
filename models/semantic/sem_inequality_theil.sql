{#- fct_inequality_theil with the year as a date, for the inequality metrics. -#}
select
    year,
    {{ year_start('year') }} as year_start,
    resource,
    theil_form,
    grouping,
    component,
    theil_value,
    contribution_pct
from {{ ref('fct_inequality_theil') }}
