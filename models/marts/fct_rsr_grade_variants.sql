{#- Each province's RSR grade per year under every variant of the method (the configured one is
    variant 'default'): the other weighting, fit_rows and grade_on, R3 measured by health
    personnel, each indicator left out, each other province left out. -#}
select
    cast(variants.year as {{ dbt.type_int() }}) as year,
    variants.region_code,
    names.province_en,
    variants.variant,
    variants.variant_family,
    cast(variants.grade as {{ dbt.type_int() }}) as grade,
    cast(variants.default_grade as {{ dbt.type_int() }}) as default_grade,
    variants.agrees,
    cast(variants.slope_p as {{ type_double() }}) as slope_p
from {{ ref('int_rsr_grade_variants') }} as variants
left join {{ ref('int_region_names') }} as names
    on variants.region_code = names.region_code
