select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(region_code) as region_code,
    trim(province_zh) as province_zh,
    cast(census_population as {{ dbt.type_bigint() }}) as census_population
from {{ ref('census_population') }}
