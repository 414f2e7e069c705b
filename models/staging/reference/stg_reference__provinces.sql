with source as (
    select * from {{ ref('ref_provinces') }}
)

select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(region_code) as region_code,
    trim(province_zh) as province_zh,
    trim(province_full_zh) as province_full_zh,
    trim(province_en) as province_en,
    trim(region_3) as region_3,
    trim(region_4) as region_4
from source
