{#- Fails on every year in which more units (provinces) hold exactly last year's value than
    `repeats_allowed` (a stale copy: last year's column pasted into this year's). How many repeats
    are real is a property of the series' precision, decided on the 2016-2024 data: institutions
    (counts), health personnel and technicians (10,000 persons, two decimals) never repeat; beds
    (two decimals) repeat once in a year at most, population (whole 10,000s) three times. Returns
    every repeated value of a failing year with the count. -#}
{% test not_repeated_from_previous_year(model, column_name, repeats_allowed=0, unit_column='region_code', year_column='year') %}
with series_values as (
    select {{ year_column }} as year, {{ unit_column }} as unit, {{ column_name }} as value
    from {{ model }}
),

repeats as (
    select current_year.year, current_year.unit, current_year.value
    from series_values as current_year
    inner join series_values as previous_year
        on current_year.unit = previous_year.unit and current_year.year = previous_year.year + 1
    where current_year.value = previous_year.value
),

counted as (
    select *, count(*) over (partition by year) as repeats_in_year from repeats
)

select
    year,
    unit as {{ unit_column }},
    '{{ column_name }}' as series,
    value,
    value as previous_year_value,
    repeats_in_year,
    {{ repeats_allowed }} as repeats_allowed
from counted
where repeats_in_year > {{ repeats_allowed }}
{% endtest %}
