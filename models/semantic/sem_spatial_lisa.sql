{#- fct_spatial_lisa with the year as a date and a 1/0 flag per cluster label, so the number of
    provinces in each kind of significant cluster adds up over any grouping. -#}
select
    year,
    {{ year_start('year') }} as year_start,
    region_code,
    indicator,
    cluster,
    case when is_significant then 1 else 0 end as in_cluster
from {{ ref('fct_spatial_lisa') }}
