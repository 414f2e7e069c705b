select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(province_code) as province_code,
    trim(province_zh) as province_zh,
    trim(reason) as reason
from {{ ref('city_expected_gaps') }}
