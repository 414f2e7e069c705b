{#- One row per province code with its names and regions from the most recent code list
    (int_region_names): the province dimension of readers that join on region_code alone (the
    figures, the semantic layer). -#}
select
    region_code,
    province_zh,
    province_en,
    region_3,
    region_4
from {{ ref('int_region_names') }}
