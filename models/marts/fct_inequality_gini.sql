{#- Gini coefficient per year and resource, against population and against land area. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    resource,
    weight_basis,
    cast(gini as {{ type_double() }}) as gini
from {{ ref('int_inequality_gini') }}
