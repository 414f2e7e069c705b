select
    trim(name_printed) as name_printed,
    cast(first_edition as {{ dbt.type_int() }}) as first_edition,
    cast(last_edition as {{ dbt.type_int() }}) as last_edition,
    trim(city_code) as city_code,
    trim(city_zh) as city_zh,
    trim(rule) as rule,
    trim(note) as note
from {{ ref('city_name_codes') }}
