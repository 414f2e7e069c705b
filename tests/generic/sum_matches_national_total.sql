{#- Fails on every year whose provincial sum of a column differs from the national total of that
    year in stg_reference__national_totals (series = `series`, default the column's name) by more
    than the row's relative tolerance. The totals, their sources and tolerances live in the seed
    national_totals, not in the test. A year without a national total is not checked; a national
    total without provincial rows fails (the series is missing for that year). -#}
{% test sum_matches_national_total(model, column_name, series=none, year_column='year') %}
with provinces as (
    select {{ year_column }} as year, sum({{ column_name }}) as province_sum
    from {{ model }}
    group by {{ year_column }}
),

national as (
    select year, expected, tolerance
    from {{ ref('stg_reference__national_totals') }}
    where series = '{{ series or column_name }}'
)

select
    national.year,
    provinces.province_sum,
    national.expected as national_total,
    national.tolerance as relative_tolerance
from national
left join provinces on national.year = provinces.year
where provinces.province_sum is null
    or abs(provinces.province_sum - national.expected) > national.tolerance * national.expected
{% endtest %}
