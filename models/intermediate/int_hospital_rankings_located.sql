{#- Each ranked hospital of every Fudan edition with its identity (hospital_id: one id for all
    the names a hospital was printed under) and its province. Left joins, so a name missing from
    the alias list keeps its row with a null id and region_code (tests then fail). -#}
select
    rankings.edition,
    rankings.hospital_rank,
    rankings.hospital_zh,
    aliases.hospital_id,
    hospitals.city_zh,
    hospitals.region_code,
    hospitals.province_zh,
    rankings.reputation_score,
    rankings.research_score,
    rankings.total_score
from {{ ref('stg_fudan__hospital_rankings') }} as rankings
left join {{ ref('stg_fudan__hospital_aliases') }} as aliases
    on rankings.hospital_zh = aliases.hospital_zh
left join {{ ref('stg_fudan__hospitals') }} as hospitals
    on aliases.hospital_id = hospitals.hospital_id
