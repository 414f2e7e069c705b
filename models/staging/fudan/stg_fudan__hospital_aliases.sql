select
    trim(hospital_zh) as hospital_zh,
    trim(hospital_id) as hospital_id
from {{ ref('fudan_hospital_aliases') }}
