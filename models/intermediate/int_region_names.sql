{#- One row per region code with its names from the most recent code list, so facts of any year
    (and units added later) get a name without assuming the code list's year equals theirs. -#}
with provinces as (
    select
        *,
        row_number() over (partition by region_code order by year desc) as recency
    from {{ ref('stg_reference__provinces') }}
)

select region_code, province_zh, province_en, region_3, region_4
from provinces
where recency = 1
