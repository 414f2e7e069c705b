select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(region_code) as region_code,
    trim(province_zh) as province_zh,
    cast(institutions as {{ dbt.type_bigint() }}) as institutions
from {{ ref('nbs_institutions') }}
