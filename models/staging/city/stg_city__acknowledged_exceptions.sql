select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(city_code) as city_code,
    trim(city_zh) as city_zh,
    trim(variable) as variable,
    trim(source_cell) as source_cell,
    cast(printed_value as {{ type_double() }}) as printed_value,
    trim(action) as action,
    trim(reason) as reason
from {{ ref('city_acknowledged_exceptions') }}
