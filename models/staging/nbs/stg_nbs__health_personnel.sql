select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(region_code) as region_code,
    trim(province_zh) as province_zh,
    cast(health_personnel_10k as {{ type_double() }}) as health_personnel_10k
from {{ ref('nbs_health_personnel') }}
