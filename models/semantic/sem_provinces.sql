{#- The province entity of the semantic layer: one row per region code (dim_provinces has one
    per code-list year) with its names and regions from the most recent code list, so facts of
    any year join on region_code alone. -#}
with provinces as (
    select
        *,
        row_number() over (partition by region_code order by year desc) as recency
    from {{ ref('dim_provinces') }}
)

select region_code, province_zh, province_en, region_3, region_4
from provinces
where recency = 1
