{#- The robustness variants' 'default' is the configured method: in every graded year its grade is
    the grade of fct_province_rsr (computed by another model from another input frame). -#}
select variants.year, variants.region_code, variants.grade, rsr.grade as rsr_grade
from {{ ref('fct_rsr_grade_variants') }} as variants
inner join {{ ref('fct_province_rsr') }} as rsr
    on variants.year = rsr.year and variants.region_code = rsr.region_code
where
    variants.variant = 'default'
    and rsr.grade is not null
    and variants.grade <> rsr.grade
