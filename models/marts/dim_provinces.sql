select
    year,
    region_code,
    province_zh,
    province_full_zh,
    province_en,
    region_3,
    region_4
from {{ ref('stg_reference__provinces') }}
