{#- The study's per-capita indicators (Table 7) for every year of the panel. Denominator chosen by
    var('medres_population_basis'); the census basis exists only for census years, so other
    years get no rows under it (dim_years lists the years evaluated).
    R3 is health technicians per 1,000 where the series is complete for the year, otherwise
    health personnel per 1,000 (named in health_workforce_measure).
    Each indicator's numerator is kept beside it (the totals of int_province_resource_totals;
    health expenditure, sourced per capita, as per-capita yuan x population, computed here once),
    so a ratio over several provinces (fct_area_per_capita, the semantic layer) sums numerators
    and populations instead of multiplying the indicators back. -#}
{%- set basis = medres_var('medres_population_basis') -%}

with totals as (
    select * from {{ ref('int_province_resource_totals') }}
),

technicians as (
    select * from {{ ref('int_health_technicians_complete') }}
),

numerators as (
    select
        totals.year,
        totals.region_code,
        {% if basis == 'yearend' -%}
            totals.yearend_population_10k as population_10k
        {%- else -%}
        totals.census_population / 10000.0 as population_10k
        {%- endif %},
        totals.beds_10k,
        totals.institutions,
        coalesce(technicians.health_technicians_10k, totals.health_personnel_10k) as health_workforce_10k,
        totals.health_personnel_10k,
        case
            when technicians.health_technicians_10k is not null then 'health_technicians_per_1000'
            else 'health_personnel_per_1000'
        end as health_workforce_measure,
        totals.health_expenditure_per_capita_yuan
    from totals
    left join technicians
        on totals.year = technicians.year and totals.region_code = technicians.region_code
)

select
    year,
    region_code,
    '{{ basis }}' as population_basis,
    population_10k,
    beds_10k,
    institutions,
    health_workforce_10k,
    health_expenditure_per_capita_yuan * population_10k as health_expenditure_10k_yuan,
    beds_10k * 1000 / population_10k as beds_per_1000,
    institutions / population_10k as institutions_per_10k,
    health_workforce_10k * 1000 / population_10k as health_workforce_per_1000,
    health_workforce_measure,
    -- The R3 alternative of the grade-robustness variants (var medres_rsr_robustness_columns).
    health_personnel_10k * 1000 / population_10k as health_personnel_per_1000,
    health_expenditure_per_capita_yuan
from numerators
where population_10k is not null
