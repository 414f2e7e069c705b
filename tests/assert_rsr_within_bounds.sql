-- RSR and WRSR lie in [1/n, 1] for every unit (n = units ranked in the year).
select year, region_code, unit_count, rsr, wrsr
from {{ ref('int_province_rank_sums') }}
where
    rsr < 1.0 / unit_count - 1e-12 or rsr > 1 + 1e-12
    or wrsr < 1.0 / unit_count - 1e-12 or wrsr > 1 + 1e-12
