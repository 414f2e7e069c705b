select
    trim(hospital_id) as hospital_id,
    trim(hospital_zh) as hospital_zh,
    trim(city_zh) as city_zh,
    trim(region_code) as region_code,
    trim(province_zh) as province_zh
from {{ ref('fudan_hospitals') }}
