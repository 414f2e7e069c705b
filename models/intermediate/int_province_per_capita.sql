{#- The study's per-capita indicators (Table 7) for every year of the panel. Denominator chosen by
    var('medres_population_basis'); the census basis exists only for census years, so other
    years get no rows under it (dim_years lists the years evaluated).
    R3 is health technicians per 1,000 where the series is complete for the year, otherwise
    health personnel per 1,000 (named in health_workforce_measure). -#}
{%- set basis = medres_var('medres_population_basis') -%}

with totals as (
    select * from {{ ref('int_province_resource_totals') }}
),

technicians as (
    select * from {{ ref('int_health_technicians_complete') }}
),

denominators as (
    select
        year,
        region_code,
        {% if basis == 'yearend' -%}
            yearend_population_10k as population_10k
        {%- else -%}
        census_population / 10000.0 as population_10k
        {%- endif %}
    from totals
)

select
    totals.year,
    totals.region_code,
    '{{ basis }}' as population_basis,
    denominators.population_10k,
    totals.beds_10k * 1000 / denominators.population_10k as beds_per_1000,
    totals.institutions / denominators.population_10k as institutions_per_10k,
    coalesce(technicians.health_technicians_10k, totals.health_personnel_10k) * 1000
    / denominators.population_10k as health_workforce_per_1000,
    case
        when technicians.health_technicians_10k is not null then 'health_technicians_per_1000'
        else 'health_personnel_per_1000'
    end as health_workforce_measure,
    -- The R3 alternative of the grade-robustness variants (var medres_rsr_robustness_columns).
    totals.health_personnel_10k * 1000 / denominators.population_10k as health_personnel_per_1000,
    totals.health_expenditure_per_capita_yuan
from totals
inner join denominators
    on totals.year = denominators.year and totals.region_code = denominators.region_code
left join technicians
    on totals.year = technicians.year and totals.region_code = technicians.region_code
where denominators.population_10k is not null
