{#- fct_province_quality_scores with the edition as a date (January 1 of the edition year), the
    time dimension of the quality metrics. -#}
select
    edition,
    {{ year_start('edition') }} as edition_start,
    region_code,
    hospital_count,
    total_score,
    is_default_edition
from {{ ref('fct_province_quality_scores') }}
