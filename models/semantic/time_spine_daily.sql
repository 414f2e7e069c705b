{#- MetricFlow's time spine: one row per day from 2000-01-01 to 2030-12-31 (11,323 rows). The
    semantic layer's time dimensions are all at year grain, but dbt-core (1.9 and later) refuses a
    semantic layer without a spine at day grain or finer, so the spine is daily; configured by
    `time_spine:` in _semantic__models.yml. dbt's date_spine macro keeps it adapter-neutral; it
    stops before its end date. -#}
{{ config(materialized='table') }}

with days as (
    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2031-01-01' as date)") }}
)

select cast(date_day as date) as date_day
from days
