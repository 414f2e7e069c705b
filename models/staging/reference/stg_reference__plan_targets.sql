select
    trim(target_id) as target_id,
    trim(document) as document,
    trim(document_zh) as document_zh,
    cast(issued as date) as issued,
    cast(target_year as {{ dbt.type_int() }}) as target_year,
    trim(indicator) as indicator,
    cast(value as {{ type_double() }}) as target_value,
    trim(unit) as unit,
    nullif(trim(medres_column), '') as medres_column,
    trim(source_url) as source_url
from {{ ref('plan_targets') }}
