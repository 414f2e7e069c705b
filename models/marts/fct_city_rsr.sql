{#- RSR across cities per year on beds and doctors per 1,000 (equal weights by default; the
    method settings are the provincial lens's vars medres_rsr_*). Cities without both indicators
    in a year are not evaluated that year. -#}
with units as (
    select * from {{ ref('int_city_rsr_units') }}
)

select
    cast(units.year as {{ dbt.type_int() }}) as year,
    units.city_code,
    cities.city_zh,
    cities.province_code,
    cities.province_zh,
    cities.region_3,
    cities.population_basis,
    cities.beds_per_1000,
    cities.doctors_per_1000,
    evaluations.indicator_set,
    cast(evaluations.unit_count as {{ dbt.type_int() }}) as unit_count,
    cast(units.rsr as {{ type_double() }}) as rsr,
    cast(units.wrsr as {{ type_double() }}) as wrsr,
    cast(units.probit as {{ type_double() }}) as probit,
    cast(units.rsr_fitted as {{ type_double() }}) as rsr_fitted,
    cast(units.grade as {{ dbt.type_int() }}) as grade,
    units.grade_label,
    rank() over (partition by units.year order by units.wrsr desc) as position,
    evaluations.grading_status,
    cast(evaluations.slope_p as {{ type_double() }}) as slope_p
from units
inner join {{ ref('int_city_per_capita') }} as cities
    on units.year = cities.year and units.city_code = cities.city_code
inner join {{ ref('int_city_rsr_evaluations') }} as evaluations
    on units.year = evaluations.year
