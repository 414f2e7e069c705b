{#- The additive inputs of the per-capita metrics: one row per province and year of
    int_province_per_capita (the rows of fct_province_per_capita) with each indicator's numerator
    and the population, in the units the metrics divide (beds and technicians as persons/units,
    population in thousands or 10,000s). A ratio metric sums numerator and population over any
    grouping before dividing: a region's value is the regional ratio, as in fct_area_per_capita. -#}
with per_capita as (
    select * from {{ ref('int_province_per_capita') }}
)

select
    year,
    {{ year_start('year') }} as year_start,
    region_code,
    population_10k,
    population_10k * 10 as population_thousands,
    beds_10k * 10000 as beds,
    institutions,
    case
        when health_workforce_measure = 'health_technicians_per_1000'
            then health_workforce_10k * 10000
    end as health_technicians,
    health_expenditure_10k_yuan,
    health_workforce_measure = 'health_technicians_per_1000' as has_health_technicians,
    health_expenditure_10k_yuan is not null as has_health_expenditure
from per_capita
