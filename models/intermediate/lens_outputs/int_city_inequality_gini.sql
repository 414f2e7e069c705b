{#- The gini output of int_city_inequality_results (see its description). -#}
select
    year,
    resource,
    n_units,
    gini
from {{ ref('int_city_inequality_results') }}
where output = 'gini'
