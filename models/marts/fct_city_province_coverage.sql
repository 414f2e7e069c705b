{#- The city panel against the provinces, per province and year: how many cities the yearbook
    lists, and (in the years the NBS provincial series exist, 2016-2024, i.e. 2016-2020 here) the
    city sum of beds over the province's beds in all medical and health institutions, with the
    band of var medres_city_beds_ratio_band it is tested against. The ratio is reported as
    printed and after the acknowledged exclusions (city_acknowledged_exceptions). -#}
{%- set band = var('medres_city_beds_ratio_band') %}
with sums as (
    select * from {{ ref('int_city_province_sums') }}
),

years as (
    select year, min(population_basis) as population_basis, min(bed_series) as bed_series
    from {{ ref('int_city_panel') }}
    group by year
),

exceptions as (
    select
        exceptions.year,
        panel.province_code,
        {{ dbt.listagg(
            "exceptions.city_zh || ' ' || exceptions.variable || ' ' || exceptions.source_cell"
            ~ " || ': ' || exceptions.reason",
            "' | '", 'order by exceptions.city_code') }} as reasons
    from {{ ref('stg_city__acknowledged_exceptions') }} as exceptions
    inner join {{ ref('int_city_panel') }} as panel
        on exceptions.year = panel.year and exceptions.city_code = panel.city_code
    where exceptions.action = 'exclude'
    group by exceptions.year, panel.province_code
)

select
    sums.year,
    sums.province_code,
    sums.province_zh,
    sums.province_en,
    sums.region_3,
    cast(sums.city_count as {{ dbt.type_int() }}) as city_count,
    cast(sums.cities_with_beds as {{ dbt.type_int() }}) as cities_with_beds,
    cast(sums.cities_with_doctors as {{ dbt.type_int() }}) as cities_with_doctors,
    cast(sums.cities_with_population as {{ dbt.type_int() }}) as cities_with_population,
    sums.city_count > 0 as is_covered,
    gaps.year is not null as is_expected_gap,
    gaps.reason as expected_gap_reason,
    years.bed_series,
    years.population_basis,
    cast(sums.city_beds_printed as {{ dbt.type_bigint() }}) as city_beds_printed,
    cast(sums.city_beds as {{ dbt.type_bigint() }}) as city_beds,
    cast(sums.city_doctors as {{ dbt.type_bigint() }}) as city_doctors,
    sums.city_population_10k,
    beds.beds_10k * 10000 as province_beds,
    population.yearend_population_10k as province_population_10k,
    sums.city_beds_printed / (beds.beds_10k * 10000) as beds_ratio_printed,
    sums.city_beds / (beds.beds_10k * 10000) as beds_ratio,
    sums.city_population_10k / population.yearend_population_10k as population_ratio,
    cast({{ band['min'] }} as {{ type_double() }}) as beds_ratio_band_min,
    cast({{ band['max'] }} as {{ type_double() }}) as beds_ratio_band_max,
    case
        when beds.beds_10k is null or sums.city_beds is null then null
        else sums.city_beds / (beds.beds_10k * 10000) between {{ band['min'] }} and {{ band['max'] }}
    end as beds_ratio_in_band,
    sums.exclusions,
    exceptions.reasons as exclusion_reasons
from sums
inner join years
    on sums.year = years.year
left join {{ ref('stg_city__expected_gaps') }} as gaps
    on sums.year = gaps.year and sums.province_code = gaps.province_code
left join {{ ref('stg_nbs__beds') }} as beds
    on sums.year = beds.year and sums.province_code = beds.region_code
left join {{ ref('stg_nbs__population') }} as population
    on sums.year = population.year and sums.province_code = population.region_code
left join exceptions
    on sums.year = exceptions.year and sums.province_code = exceptions.province_code
