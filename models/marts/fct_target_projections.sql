{#- When each province reaches each evaluable plan target at its recent pace: OLS trend over the
    last var medres_target_trend_years years with its confidence band (medres.targets). -#}
select
    cast(region_code as varchar) as region_code,
    cast(target_id as varchar) as target_id,
    cast(latest_year as {{ dbt.type_int() }}) as latest_year,
    cast(latest_value as {{ type_double() }}) as latest_value,
    cast(target_value as {{ type_double() }}) as target_value,
    cast(gap as {{ type_double() }}) as gap,
    cast(trend_first_year as {{ dbt.type_int() }}) as trend_first_year,
    cast(slope_per_year as {{ type_double() }}) as slope_per_year,
    cast(slope_low as {{ type_double() }}) as slope_low,
    cast(slope_high as {{ type_double() }}) as slope_high,
    cast(status as varchar) as status,
    cast(first_year_at_target as {{ dbt.type_int() }}) as first_year_at_target,
    cast(projected_year as {{ dbt.type_int() }}) as projected_year,
    cast(projected_year_early as {{ dbt.type_int() }}) as projected_year_early,
    cast(projected_year_late as {{ dbt.type_int() }}) as projected_year_late
from {{ ref('int_target_projections') }}
