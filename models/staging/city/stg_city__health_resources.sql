select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(city_code) as city_code,
    trim(province_code) as province_code,
    trim(city_zh) as city_zh,
    cast(beds as {{ dbt.type_bigint() }}) as beds,
    cast(doctors as {{ dbt.type_bigint() }}) as doctors,
    cast(population_10k as {{ type_double() }}) as population_10k,
    trim(bed_series) as bed_series,
    trim(doctor_series) as doctor_series,
    trim(population_basis) as population_basis,
    trim(source_file) as source_file,
    trim(source_cells) as source_cells
from {{ ref('city_health_resources') }}
