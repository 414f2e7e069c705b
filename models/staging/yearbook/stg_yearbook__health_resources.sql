with source as (
    select * from {{ ref('yearbook_health_resources') }}
)

select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(region_code) as region_code,
    trim(province_zh) as province_zh,
    cast(institutions as {{ dbt.type_bigint() }}) as institutions,
    cast(health_personnel_10k as {{ type_double() }}) as health_personnel_10k,
    cast(beds_10k as {{ type_double() }}) as beds_10k,
    cast(health_expenditure_per_capita_yuan as {{ type_double() }}) as health_expenditure_per_capita_yuan
from source
