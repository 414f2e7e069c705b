{#- The study's per-capita indicators (Table 7). Denominator chosen by var('medres_population_basis').
    R3 is health technicians per 1,000 when a complete single-series set exists for the year,
    otherwise health personnel per 1,000 (named in health_workforce_measure). -#}
{%- set basis = medres_var('medres_population_basis') -%}

with resources as (
    select * from {{ ref('stg_yearbook__health_resources') }}
),

population as (
    select
        year,
        region_code,
        {% if basis == 'yearend' -%}
        yearend_population_10k as population_10k
        {%- else -%}
        census_population / 10000.0 as population_10k
        {%- endif %}
    from {{ ref('stg_yearbook__population') }}
),

technicians as (
    select * from {{ ref('int_health_technicians_complete') }}
)

select
    resources.year,
    resources.region_code,
    '{{ basis }}' as population_basis,
    population.population_10k,
    resources.beds_10k * 1000 / population.population_10k as beds_per_1000,
    resources.institutions / population.population_10k as institutions_per_10k,
    coalesce(technicians.health_technicians_10k, resources.health_personnel_10k) * 1000
        / population.population_10k as health_workforce_per_1000,
    case
        when technicians.health_technicians_10k is not null then 'health_technicians_per_1000'
        else 'health_personnel_per_1000'
    end as health_workforce_measure,
    technicians.series as health_technicians_series,
    resources.health_expenditure_per_capita_yuan
from resources
join population
    on resources.year = population.year
    and resources.region_code = population.region_code
left join technicians
    on resources.year = technicians.year
    and resources.region_code = technicians.region_code
