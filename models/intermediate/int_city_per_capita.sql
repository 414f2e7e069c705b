{#- Beds and doctors per 1,000 people per city and year, on the population the yearbook printed
    for that year (population_basis: the same for every city of a year, different across years).
    Defined only where the population is > 0 (三沙 is printed as 0 or left empty) and the
    resource has a value the lenses use. -#}
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
    case when population_10k > 0 then beds / (population_10k * 10.0) end as beds_per_1000,
    case when population_10k > 0 then doctors / (population_10k * 10.0) end as doctors_per_1000,
    excluded_variables
from {{ ref('int_city_panel') }}
