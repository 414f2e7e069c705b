{#- fct_inequality_gini with the year as a date, for the inequality metrics. -#}
select
    year,
    {{ year_start('year') }} as year_start,
    resource,
    weight_basis,
    gini
from {{ ref('fct_inequality_gini') }}
