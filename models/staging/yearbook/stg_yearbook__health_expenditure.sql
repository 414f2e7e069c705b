select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(region_code) as region_code,
    trim(province_zh) as province_zh,
    cast(health_expenditure_per_capita_yuan as {{ type_double() }}) as health_expenditure_per_capita_yuan
from {{ ref('yearbook_health_expenditure') }}
