with source as (
    select * from {{ ref('fudan_hospital_rankings') }}
)

select
    cast(edition as {{ dbt.type_int() }}) as edition,
    cast(rank as {{ dbt.type_int() }}) as hospital_rank,
    trim(hospital_zh) as hospital_zh,
    cast(reputation_score as {{ type_double() }}) as reputation_score,
    cast(research_score as {{ type_double() }}) as research_score,
    cast(total_score as {{ type_double() }}) as total_score,
    trim(source) as source
from source
