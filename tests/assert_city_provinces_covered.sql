-- Every province of the reference list has at least one city in every year of the city panel,
-- except the province-years listed in seeds/city/city_expected_gaps.csv (Tibet 2000-2002, 2004-2006 and
-- 2010); a listed gap that has a city, or that names a year outside the panel, fails too.
with coverage as (
    select * from {{ ref('fct_city_province_coverage') }}
)

select 'province without a city, not a listed gap' as problem, year, province_code
from coverage
where not is_covered and not is_expected_gap

union all

select 'listed gap has a city (stale row of city_expected_gaps)' as problem, year, province_code
from coverage
where is_covered and is_expected_gap

union all

select 'listed gap outside the panel' as problem, gaps.year, gaps.province_code
from {{ ref('stg_city__expected_gaps') }} as gaps
left join coverage
    on gaps.year = coverage.year and gaps.province_code = coverage.province_code
where coverage.year is null
