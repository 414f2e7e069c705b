{#- One row per data year and city: the staged values as printed, the values the city lenses use
    (a cell of city_acknowledged_exceptions with action 'exclude' is null there, never silently:
    excluded_variables names it), and the city's province with its regions. -#}
with cities as (
    select * from {{ ref('stg_city__health_resources') }}
),

exclusions as (
    select
        year,
        city_code,
        bool_or(variable = 'beds') as beds_excluded,
        bool_or(variable = 'doctors') as doctors_excluded,
        bool_or(variable = 'population_10k') as population_excluded,
        {{ dbt.listagg('variable', "','", 'order by variable') }} as excluded_variables
    from {{ ref('stg_city__acknowledged_exceptions') }}
    where action = 'exclude'
    group by year, city_code
)

select
    cities.year,
    cities.city_code,
    cities.city_zh,
    cities.province_code,
    provinces.province_zh,
    provinces.province_en,
    provinces.region_3,
    provinces.region_4,
    cities.beds as beds_printed,
    cities.doctors as doctors_printed,
    cities.population_10k as population_10k_printed,
    case when coalesce(exclusions.beds_excluded, false) then null else cities.beds end as beds,
    case when coalesce(exclusions.doctors_excluded, false) then null else cities.doctors end as doctors,
    case when coalesce(exclusions.population_excluded, false) then null else cities.population_10k end
        as population_10k,
    exclusions.excluded_variables,
    cities.bed_series,
    cities.doctor_series,
    cities.population_basis,
    cities.source_file,
    cities.source_cells
from cities
inner join {{ ref('int_region_names') }} as provinces
    on cities.province_code = provinces.region_code
left join exclusions
    on cities.year = exclusions.year and cities.city_code = exclusions.city_code
