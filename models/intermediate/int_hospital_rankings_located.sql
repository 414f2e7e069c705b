{#- Each ranked hospital of every Fudan edition with its province. A left join, so a hospital
    missing from the province list keeps its row with a null region_code (a test then fails). -#}
select
    rankings.edition,
    rankings.hospital_rank,
    rankings.hospital_zh,
    provinces.city_zh,
    provinces.region_code,
    provinces.province_zh,
    rankings.reputation_score,
    rankings.research_score,
    rankings.total_score
from {{ ref('stg_fudan__hospital_rankings') }} as rankings
left join {{ ref('stg_fudan__hospital_provinces') }} as provinces
    on rankings.hospital_zh = provinces.hospital_zh
