select
    per_capita.year,
    per_capita.region_code,
    names.province_zh,
    names.province_en,
    per_capita.population_basis,
    per_capita.population_10k,
    per_capita.beds_per_1000,
    per_capita.institutions_per_10k,
    per_capita.health_workforce_per_1000,
    per_capita.health_workforce_measure,
    per_capita.health_expenditure_per_capita_yuan
from {{ ref('int_province_per_capita') }} as per_capita
left join {{ ref('int_region_names') }} as names
    on per_capita.region_code = names.region_code
