{#- The study's four "total" resource indicators per year and province (its Tables 1-6), the input
    of the clustering Python models (var medres_cluster_columns names columns of this model). -#}
select
    year,
    region_code,
    institutions,
    health_personnel_10k,
    beds_10k,
    health_expenditure_per_capita_yuan
from {{ ref('stg_yearbook__health_resources') }}
