{#- WHO HEAT summary measures of inequality per year, level (province / city), per-capita
    indicator and measure: non-ordered measures across the units as subnational regions, ordered
    measures (ACI, RCI, SII, RII) with the provinces ranked by per-capita gross regional product.
    Definitions: medres.heat and docs/toolkit.md. -#}
select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(level as varchar) as level,
    cast(indicator as varchar) as indicator,
    cast(measure as varchar) as measure,
    cast(measure_kind as varchar) as measure_kind,
    cast(is_weighted as boolean) as is_weighted,
    cast(is_ordered as boolean) as is_ordered,
    cast(value as {{ type_double() }}) as measure_value,
    cast(setting_average as {{ type_double() }}) as setting_average,
    cast(n_subgroups as {{ dbt.type_int() }}) as n_subgroups,
    cast(reference_subgroup as varchar) as reference_subgroup,
    cast(best_subgroup as varchar) as best_subgroup,
    cast(sii_model as varchar) as sii_model
from {{ ref('int_heat_measures') }}
