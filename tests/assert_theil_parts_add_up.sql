-- The Theil decomposition is exact: for every year, resource, form and grouping, between +
-- within = total (each part is computed from its own formula), and the contributions sum to 100 %.
with parts as (
    select
        year, resource, theil_form, grouping,
        sum(case when component = 'total' then theil_value end) as total,
        sum(case when component = 'between' then theil_value end) as between_part,
        sum(case when component = 'within' then theil_value end) as within_part,
        sum(case when component <> 'total' then contribution_pct end) as contribution_sum
    from {{ ref('fct_inequality_theil') }}
    group by year, resource, theil_form, grouping
)

select *
from parts
where
    total is null or between_part is null or within_part is null
    or abs(between_part + within_part - total) > 1e-12
    or abs(contribution_sum - 100) > 1e-9
