select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(region_code) as region_code,
    trim(province_zh) as province_zh,
    cast(gdp_per_capita_yuan as {{ type_double() }}) as gdp_per_capita_yuan
from {{ ref('nbs_gdp_per_capita') }}
