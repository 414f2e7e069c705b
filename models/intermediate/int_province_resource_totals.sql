{#- The panel of provincial resources: one row per year with a year-end population and province,
    every series beside it (the study's Tables 1-6 columns, plus health technicians). A series
    without a value for the year is null here (per-capita health expenditure exists only for the
    years its yearbook table was sourced); the clustering and RSR models then leave it out of that
    year's indicator set, and say so. var medres_cluster_columns names columns of this model. -#}
with population as (
    select * from {{ ref('stg_nbs__population') }}
),

institutions as (
    select * from {{ ref('stg_nbs__institutions') }}
),

personnel as (
    select * from {{ ref('stg_nbs__health_personnel') }}
),

technicians as (
    select * from {{ ref('stg_nbs__health_technicians') }}
),

beds as (
    select * from {{ ref('stg_nbs__beds') }}
),

expenditure as (
    select * from {{ ref('stg_yearbook__health_expenditure') }}
),

census as (
    select * from {{ ref('stg_census__population') }}
)

select
    population.year,
    population.region_code,
    institutions.institutions,
    personnel.health_personnel_10k,
    technicians.health_technicians_10k,
    beds.beds_10k,
    expenditure.health_expenditure_per_capita_yuan,
    population.yearend_population_10k,
    census.census_population
from population
left join institutions
    on population.year = institutions.year and population.region_code = institutions.region_code
left join personnel
    on population.year = personnel.year and population.region_code = personnel.region_code
left join technicians
    on population.year = technicians.year and population.region_code = technicians.region_code
left join beds
    on population.year = beds.year and population.region_code = beds.region_code
left join expenditure
    on population.year = expenditure.year and population.region_code = expenditure.region_code
left join census
    on population.year = census.year and population.region_code = census.region_code
