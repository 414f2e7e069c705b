{#- The gini output of int_inequality_results (see its description). -#}
select
    year,
    weight_basis,
    gini,
    resource
from {{ ref('int_inequality_results') }}
where output = 'gini'
