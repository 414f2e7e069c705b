{#- Beds and doctors per 1,000 people per prefecture-level city and year (China City Statistical
    Yearbook, data years 2000-2020). The denominator is the population the yearbook printed for
    the year, named per row: its definition changes in 2015 and 2020. -#}
select
    year,
    city_code,
    city_zh,
    province_code,
    province_zh,
    province_en,
    region_3,
    region_4,
    population_basis,
    population_10k,
    beds,
    doctors,
    bed_series,
    doctor_series,
    beds_per_1000,
    doctors_per_1000,
    excluded_variables
from {{ ref('int_city_per_capita') }}
