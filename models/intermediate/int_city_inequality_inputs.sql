{#- Input of the city inequality lens: per year and city the resources the lenses use and the
    population (> 0 only; 三沙's 0 or empty is left out), with the province and region_3 the
    nested Theil decomposition groups by. -#}
select
    year,
    city_code,
    province_code,
    region_3,
    cast(beds as {{ type_double() }}) as beds,
    cast(doctors as {{ type_double() }}) as doctors,
    population_10k
from {{ ref('int_city_panel') }}
where population_10k > 0
