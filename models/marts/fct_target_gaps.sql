{#- Each province's gap to each evaluable plan target per year: value − target (negative = below
    target). -#}
{%- set columns = [
    'beds_per_1000', 'institutions_per_10k', 'health_workforce_per_1000',
    'health_expenditure_per_capita_yuan',
] -%}
with long as (
    {% for column in columns -%}
        select year, region_code, '{{ column }}' as medres_column, {{ column }} as indicator_value
        from {{ ref('int_province_per_capita') }}
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    cast(long.year as {{ dbt.type_int() }}) as year,
    long.region_code,
    targets.target_id,
    targets.target_year,
    long.medres_column,
    cast(long.indicator_value as {{ type_double() }}) as indicator_value,
    cast(targets.target_value as {{ type_double() }}) as target_value,
    cast(long.indicator_value - targets.target_value as {{ type_double() }}) as gap,
    long.indicator_value >= targets.target_value as is_at_target
from long
inner join {{ ref('stg_reference__plan_targets') }} as targets
    on long.medres_column = targets.medres_column
