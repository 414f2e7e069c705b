-- Every unit's grade is the one whose fitted-RSR band (fct_rsr_grade_thresholds) contains its
-- graded value: the fitted RSR, or the observed WRSR when var medres_rsr_grade_on = 'raw'.
{%- set graded = 'rsr_fitted' if var('medres_rsr_grade_on') == 'fitted' else 'wrsr' %}
with bands as (
    select
        year,
        grade,
        rsr_lower,
        lag(rsr_lower) over (partition by year order by grade) as rsr_upper
    from {{ ref('fct_rsr_grade_thresholds') }}
)

select units.year, units.region_code, units.{{ graded }} as graded_value, units.grade
from {{ ref('fct_province_rsr') }} as units
inner join bands
    on
        units.year = bands.year
        and units.grade = bands.grade
where
    (bands.rsr_lower is not null and units.{{ graded }} < bands.rsr_lower)
    or (bands.rsr_upper is not null and units.{{ graded }} >= bands.rsr_upper)
