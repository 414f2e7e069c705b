{#- The per-capita indicators of several provinces together, per year: the 31 provinces
    ('national') and each region of region_3 and region_4. Each value is a ratio of sums, Σ
    numerator / Σ population (int_province_per_capita keeps each province's numerator), not a mean
    of the provincial ratios; R4 divides by the population of the provinces with an expenditure
    value only. The one place this rule is computed: the figures and the report read it, and the
    semantic layer's ratio metrics (which sum the same numerators at query time) are tested equal
    to it. -#}
with provinces as (
    select
        per_capita.*,
        names.region_3,
        names.region_4
    from {{ ref('int_province_per_capita') }} as per_capita
    left join {{ ref('int_region_names') }} as names
        on per_capita.region_code = names.region_code
),

areas as (
    select
        'national' as division,
        'national' as area,
        *
    from provinces
    union all
    select
        'region_3' as division,
        region_3 as area,
        *
    from provinces
    union all
    select
        'region_4' as division,
        region_4 as area,
        *
    from provinces
)

select
    cast(year as {{ dbt.type_int() }}) as year,
    division,
    area,
    any_value(population_basis) as population_basis,
    cast(count(*) as {{ dbt.type_int() }}) as provinces,
    sum(population_10k) as population_10k,
    sum(beds_10k) * 1000 / sum(population_10k) as beds_per_1000,
    sum(institutions) / sum(population_10k) as institutions_per_10k,
    sum(health_workforce_10k) * 1000 / sum(population_10k) as health_workforce_per_1000,
    any_value(health_workforce_measure) as health_workforce_measure,
    sum(health_expenditure_10k_yuan)
    / sum(case when health_expenditure_10k_yuan is not null then population_10k end)
        as health_expenditure_per_capita_yuan,
    cast(count(health_expenditure_10k_yuan) as {{ dbt.type_int() }}) as provinces_with_health_expenditure
from areas
group by year, division, area
