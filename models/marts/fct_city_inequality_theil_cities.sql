{#- Per year, resource, Theil form and city: the city's term of the within-province part of the
    Theil index (the cities that drive within-province inequality), its shares, and its rank. -#}
with terms as (
    select * from {{ ref('int_city_inequality_theil_units') }}
),

within_parts as (
    select year, resource, theil_form, value as within_value
    from {{ ref('int_city_inequality_theil') }}
    where component = 'within'
)

select
    cast(terms.year as {{ dbt.type_int() }}) as year,
    terms.resource,
    terms.theil_form,
    terms.city_code,
    cities.city_zh,
    terms.province_code,
    cities.province_zh,
    cities.region_3,
    cast(terms.resource_share as {{ type_double() }}) as resource_share,
    cast(terms.population_share as {{ type_double() }}) as population_share,
    cast(terms.group_resource_share as {{ type_double() }}) as province_resource_share,
    cast(terms.group_population_share as {{ type_double() }}) as province_population_share,
    cast(terms.within_term as {{ type_double() }}) as within_term,
    cast(terms.within_contribution_pct as {{ type_double() }}) as within_contribution_pct,
    cast(100 * terms.within_term / within_parts.within_value as {{ type_double() }}) as share_of_within_pct,
    rank() over (
        partition by terms.year, terms.resource, terms.theil_form
        order by terms.within_term desc
    ) as within_rank
from terms
inner join within_parts
    on
        terms.year = within_parts.year
        and terms.resource = within_parts.resource
        and terms.theil_form = within_parts.theil_form
inner join {{ ref('int_city_panel') }} as cities
    on terms.year = cities.year and terms.city_code = cities.city_code
