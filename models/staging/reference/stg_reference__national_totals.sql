select
    cast(year as {{ dbt.type_int() }}) as year,
    trim(series) as series,
    cast(expected as {{ type_double() }}) as expected,
    cast(tolerance as {{ type_double() }}) as tolerance,
    trim(source) as source
from {{ ref('national_totals') }}
