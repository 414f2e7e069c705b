{#- Theil index of beds and doctors across cities per year in both forms, with the exact nested
    decomposition: total = between region_3 (East / Central / West) + between provinces within
    region_3 + within provinces (between cities of a province). A data test proves the identity. -#}
with bases as (
    select year, min(population_basis) as population_basis
    from {{ ref('int_city_panel') }}
    group by year
)

select
    cast(theil.year as {{ dbt.type_int() }}) as year,
    theil.resource,
    theil.theil_form,
    case
        when theil.component = 'total' then 'total'
        when theil.component = 'within' then 'within_province'
        when theil.level = 'region_3' then 'between_region'
        else 'between_province'
    end as part,
    theil.label,
    bases.population_basis,
    cast(theil.n_units as {{ dbt.type_int() }}) as n_units,
    cast(theil.value as {{ type_double() }}) as theil_value,
    cast(theil.contribution_pct as {{ type_double() }}) as contribution_pct
from {{ ref('int_city_inequality_theil') }} as theil
inner join bases
    on theil.year = bases.year
