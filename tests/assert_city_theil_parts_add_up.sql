-- The nested Theil decomposition of the city panel is exact: for every year, resource and form,
-- between region_3 + between province within region_3 + within province = total (each part
-- computed from its own formula), the contributions of the parts sum to 100 %, and the cities'
-- terms in fct_city_inequality_theil_cities sum to the within-province part.
with parts as (
    select
        year, resource, theil_form,
        sum(case when part = 'total' then theil_value end) as total,
        sum(case when part = 'between_region' then theil_value end) as between_region,
        sum(case when part = 'between_province' then theil_value end) as between_province,
        sum(case when part = 'within_province' then theil_value end) as within_province,
        sum(case when part <> 'total' then contribution_pct end) as contribution_sum
    from {{ ref('fct_city_inequality_theil') }}
    group by year, resource, theil_form
),

cities as (
    select year, resource, theil_form, sum(within_term) as city_terms, sum(share_of_within_pct) as city_shares
    from {{ ref('fct_city_inequality_theil_cities') }}
    group by year, resource, theil_form
)

select parts.*, cities.city_terms, cities.city_shares
from parts
full outer join cities
    on
        parts.year = cities.year and parts.resource = cities.resource
        and parts.theil_form = cities.theil_form
where
    parts.total is null or parts.between_region is null or parts.between_province is null
    or parts.within_province is null or cities.city_terms is null
    or abs(parts.between_region + parts.between_province + parts.within_province - parts.total) > 1e-12
    or abs(parts.contribution_sum - 100) > 1e-9
    or abs(cities.city_terms - parts.within_province) > 1e-12
    or abs(cities.city_shares - 100) > 1e-9
