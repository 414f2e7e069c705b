{#- The RSR indicators of every year in long shape: one row per year, province and indicator of
    that year's indicator set (var medres_rsr_indicators), with its value, direction, normalised
    weight and average rank within the year. -#}
select
    ranks.year,
    ranks.region_code,
    names.province_zh,
    names.province_en,
    ranks.indicator,
    ranks.indicator_column,
    ranks.direction,
    ranks.weight,
    ranks.indicator_value,
    ranks.indicator_rank
from {{ ref('int_province_indicator_ranks') }} as ranks
left join {{ ref('int_region_names') }} as names
    on ranks.region_code = names.region_code
