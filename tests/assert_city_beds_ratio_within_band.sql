-- City sums of beds against the provinces (2016-2020, the years with NBS provincial beds): the
-- ratio after acknowledged exclusions lies in var medres_city_beds_ratio_band for every province
-- and year; a printed ratio outside the band is accepted only where an acknowledged exclusion
-- (seeds/city/city_acknowledged_exceptions.csv) names a cell of that province-year; and every
-- beds exclusion of those years is needed - without it, its province-year would be outside the
-- band. Exclusions of years without provincial beds (2000-2015) rest on the city's own series
-- (their reason says how) and are not judged here.
{%- set band = var('medres_city_beds_ratio_band') %}
with coverage as (
    select * from {{ ref('fct_city_province_coverage') }}
    where province_beds is not null and city_count > 0
),

exclusions as (
    select exceptions.year, exceptions.city_code, panel.province_code
    from {{ ref('stg_city__acknowledged_exceptions') }} as exceptions
    inner join {{ ref('int_city_panel') }} as panel
        on exceptions.year = panel.year and exceptions.city_code = panel.city_code
    where exceptions.variable = 'beds' and exceptions.action = 'exclude'
)

select 'ratio outside the band' as problem, year, province_code, beds_ratio as ratio
from coverage
where
    beds_ratio is null
    or beds_ratio < {{ band['min'] }} or beds_ratio > {{ band['max'] }}

union all

select
    'printed ratio outside the band without an acknowledged exclusion' as failure, year, province_code,
    beds_ratio_printed
from coverage
where
    (beds_ratio_printed < {{ band['min'] }} or beds_ratio_printed > {{ band['max'] }})
    and exclusions is null

union all

select
    'acknowledged beds exclusion not needed (printed ratio inside the band)' as failure, exclusions.year,
    exclusions.province_code, coverage.beds_ratio_printed
from exclusions
inner join coverage
    on exclusions.year = coverage.year and exclusions.province_code = coverage.province_code
where
    coverage.beds_ratio_printed is null
    or coverage.beds_ratio_printed between {{ band['min'] }} and {{ band['max'] }}
