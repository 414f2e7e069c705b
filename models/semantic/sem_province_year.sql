{#- The additive inputs of the per-capita metrics: one row per province and year of
    fct_province_per_capita with each indicator's numerator (indicator × population, so the
    metrics follow the mart's population basis and R3 measure) and its population. A ratio metric
    sums numerator and population over any grouping before dividing: a region's value is the
    regional ratio, not the mean of provincial ratios. -#}
with per_capita as (
    select * from {{ ref('fct_province_per_capita') }}
)

select
    year,
    {{ year_start('year') }} as year_start,
    region_code,
    population_10k,
    population_10k * 10 as population_thousands,
    beds_per_1000 * population_10k * 10 as beds,
    institutions_per_10k * population_10k as institutions,
    case
        when health_workforce_measure = 'health_technicians_per_1000'
            then health_workforce_per_1000 * population_10k * 10
    end as health_technicians,
    health_expenditure_per_capita_yuan * population_10k as health_expenditure_10k_yuan,
    health_workforce_measure = 'health_technicians_per_1000' as has_health_technicians,
    health_expenditure_per_capita_yuan is not null as has_health_expenditure
from per_capita
