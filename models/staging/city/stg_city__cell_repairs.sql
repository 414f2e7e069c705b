select
    cast(edition as {{ dbt.type_int() }}) as edition,
    trim(cell) as cell,
    trim(printed) as printed,
    cast(value as {{ type_double() }}) as repaired_value,
    trim(reason) as reason
from {{ ref('city_cell_repairs') }}
