{#- Population-weighted Gini coefficient of beds and of doctors across cities per year. -#}
with bases as (
    select year, min(population_basis) as population_basis
    from {{ ref('int_city_panel') }}
    group by year
)

select
    cast(gini.year as {{ dbt.type_int() }}) as year,
    gini.resource,
    bases.population_basis,
    cast(gini.n_units as {{ dbt.type_int() }}) as n_units,
    cast(gini.gini as {{ type_double() }}) as gini
from {{ ref('int_city_inequality_gini') }} as gini
inner join bases
    on gini.year = bases.year
