{#- Health technicians only where one statistical series covers every province of a year.
    Values from different series (a city's own count beside the NBS series) are not comparable,
    so a partial or mixed year yields no rows and R3 falls back to health personnel. When several
    series are complete for a year, the alphabetically first is used (deterministic). -#}
with technicians as (
    select * from {{ ref('stg_yearbook__health_technicians') }}
),

units_per_year as (
    select year, count(*) as unit_count
    from {{ ref('stg_yearbook__health_resources') }}
    group by year
),

complete_series as (
    select technicians.year, technicians.series
    from technicians
    join units_per_year on technicians.year = units_per_year.year
    group by technicians.year, technicians.series, units_per_year.unit_count
    having count(distinct technicians.region_code) = units_per_year.unit_count
),

chosen_series as (
    select year, min(series) as series
    from complete_series
    group by year
)

select
    technicians.year,
    technicians.region_code,
    technicians.health_technicians_10k,
    technicians.series
from technicians
join chosen_series
    on technicians.year = chosen_series.year
    and technicians.series = chosen_series.series
