select
    trim(region_code) as region_code,
    trim(province_zh) as province_zh,
    cast(vintage_year as {{ dbt.type_int() }}) as vintage_year,
    cast(land_area_10k_ha as {{ type_double() }}) as land_area_10k_ha,
    trim(derivation) as derivation
from {{ ref('ref_land_area') }}
