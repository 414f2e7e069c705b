{#- The inputs of the inequality lens per year and province: each resource as a total (health
    expenditure as int_province_per_capita's per-capita yuan x population, in 10,000 yuan), the population of the
    per-capita basis (var medres_population_basis), the land area and the two regional
    divisions; plus the per-capita indicators whose dispersion is reported. -#}
with per_capita as (
    select * from {{ ref('int_province_per_capita') }}
),

totals as (
    select * from {{ ref('int_province_resource_totals') }}
)

select
    per_capita.year,
    per_capita.region_code,
    names.region_3,
    names.region_4,
    per_capita.population_10k,
    area.land_area_10k_ha,
    totals.institutions,
    totals.beds_10k,
    totals.health_technicians_10k,
    totals.health_personnel_10k,
    per_capita.health_expenditure_10k_yuan,
    per_capita.beds_per_1000,
    per_capita.institutions_per_10k,
    per_capita.health_workforce_per_1000,
    per_capita.health_expenditure_per_capita_yuan
from per_capita
inner join totals
    on per_capita.year = totals.year and per_capita.region_code = totals.region_code
left join {{ ref('int_region_names') }} as names
    on per_capita.region_code = names.region_code
left join {{ ref('stg_reference__land_area') }} as area
    on per_capita.region_code = area.region_code
