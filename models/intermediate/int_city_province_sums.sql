{#- Per province and year of the city panel: how many cities, how many with each value, and the
    city sums as printed and as the lenses use them (acknowledged exclusions left out). Every
    province of the reference list appears every year, with zero cities where the yearbook has
    none. -#}
with years as (
    select distinct year from {{ ref('int_city_panel') }}
),

grid as (
    select
        years.year, provinces.region_code as province_code, provinces.province_zh,
        provinces.province_en, provinces.region_3
    from years
    cross join {{ ref('int_region_names') }} as provinces
),

sums as (
    select
        year,
        province_code,
        count(*) as city_count,
        count(beds) as cities_with_beds,
        count(doctors) as cities_with_doctors,
        count(case when population_10k > 0 then 1 end) as cities_with_population,
        sum(beds_printed) as city_beds_printed,
        sum(beds) as city_beds,
        sum(doctors) as city_doctors,
        sum(population_10k) as city_population_10k,
        {{ dbt.listagg(
            "case when excluded_variables is not null then city_zh || ' ' || excluded_variables end",
            "'; '", "order by city_code") }} as exclusions
    from {{ ref('int_city_panel') }}
    group by year, province_code
)

select
    grid.year,
    grid.province_code,
    grid.province_zh,
    grid.province_en,
    grid.region_3,
    coalesce(sums.city_count, 0) as city_count,
    coalesce(sums.cities_with_beds, 0) as cities_with_beds,
    coalesce(sums.cities_with_doctors, 0) as cities_with_doctors,
    coalesce(sums.cities_with_population, 0) as cities_with_population,
    sums.city_beds_printed,
    sums.city_beds,
    sums.city_doctors,
    sums.city_population_10k,
    sums.exclusions
from grid
left join sums
    on grid.year = sums.year and grid.province_code = sums.province_code
