-- The indicator set the SQL ranks on and the one the Python RSR evaluated agree for every year,
-- and every province of a year is ranked on the same set.
with sql_sets as (
    select year, min(indicator_set) as indicator_set, count(distinct indicator_set) as set_count
    from {{ ref('int_province_rank_sums') }}
    group by year
)

select sql_sets.year, sql_sets.indicator_set, evaluations.indicator_set as python_indicator_set
from sql_sets
full outer join {{ ref('fct_rsr_evaluations') }} as evaluations on sql_sets.year = evaluations.year
where
    sql_sets.set_count <> 1
    or evaluations.year is null
    or sql_sets.year is null
    or sql_sets.indicator_set <> evaluations.indicator_set
