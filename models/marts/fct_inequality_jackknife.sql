{#- How much does one province move the inequality indices? Per year, resource and measure (Gini
    by population and by land area, Theil T and L), the index with every province, its range with
    each province left out in turn, and the province whose removal moves it most. -#}
select
    cast(jackknife.year as {{ dbt.type_int() }}) as year,
    jackknife.resource,
    jackknife.measure,
    cast(jackknife.value as {{ type_double() }}) as index_value,
    cast(jackknife.n_units as {{ dbt.type_int() }}) as n_units,
    cast(jackknife.jackknife_min as {{ type_double() }}) as jackknife_min,
    cast(jackknife.jackknife_max as {{ type_double() }}) as jackknife_max,
    jackknife.most_influential_region_code,
    names.province_en as most_influential_province_en,
    cast(jackknife.value_without_most_influential as {{ type_double() }}) as value_without_most_influential,
    cast(jackknife.max_abs_change as {{ type_double() }}) as max_abs_change
from {{ ref('int_inequality_jackknife') }} as jackknife
left join {{ ref('int_region_names') }} as names
    on jackknife.most_influential_region_code = names.region_code
