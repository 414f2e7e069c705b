{#- Fails on every unit (province) whose change from the year before stands far from the other
    units' changes that year: the robust z-score |c - median(c)| / (1.4826 * MAD(c)) of the log
    change c over all units of the year exceeds var medres_cross_province_max_z[`series`, default
    the column's name]. Each value can pass its own year-over-year threshold and still be wrong:
    two provinces' values swapped in one year move both far from the rest (湖北 -20 %, 湖南 +25 %
    while every other province changes by a few per cent). A real change is accepted by a row of
    seed acknowledged_changes (year, region_code, column), the same seed the seed check's
    year-over-year rule reads. Returns the unit, both values, its change, the year's median change
    and the z-score. -#}
{% test change_consistent_across_units(model, column_name, series=none, unit_column='region_code', year_column='year') %}
{%- set name = series or column_name -%}
{%- set limits = var('medres_cross_province_max_z') -%}
{%- if name not in limits -%}
    {{ exceptions.raise_compiler_error("change_consistent_across_units on " ~ column_name ~ ": var medres_cross_province_max_z has no entry '" ~ name ~ "'") }}
{%- endif -%}
with series_values as (
    select {{ year_column }} as year, {{ unit_column }} as unit, {{ column_name }} as value
    from {{ model }}
    where {{ column_name }} > 0
),

changes as (
    select
        current_year.year,
        current_year.unit,
        previous_year.value as previous_value,
        current_year.value,
        ln(current_year.value / previous_year.value) as change
    from series_values as current_year
    inner join series_values as previous_year
        on current_year.unit = previous_year.unit and current_year.year = previous_year.year + 1
),

medians as (
    select year, median(change) as median_change from changes group by year
),

spreads as (
    select changes.year, median(abs(changes.change - medians.median_change)) as mad
    from changes
    inner join medians on changes.year = medians.year
    group by changes.year
),

scored as (
    select
        changes.*,
        medians.median_change,
        abs(changes.change - medians.median_change) / nullif(1.4826 * spreads.mad, 0) as robust_z
    from changes
    inner join medians on changes.year = medians.year
    inner join spreads on changes.year = spreads.year
)

select
    scored.year,
    scored.unit as {{ unit_column }},
    '{{ name }}' as series,
    scored.previous_value,
    scored.value,
    round(100 * (exp(scored.change) - 1), 1) as change_pct,
    round(100 * (exp(scored.median_change) - 1), 1) as median_change_pct,
    round(scored.robust_z, 2) as robust_z,
    {{ limits[name] }} as max_z
from scored
left join {{ ref('acknowledged_changes') }} as acknowledged
    on scored.year = acknowledged.year
    and scored.unit = acknowledged.region_code
    and acknowledged."column" = '{{ name }}'
where scored.robust_z > {{ limits[name] }} and acknowledged.year is null
{% endtest %}
