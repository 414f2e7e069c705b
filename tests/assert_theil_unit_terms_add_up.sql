{#- Each year, resource and form: the provinces' terms of fct_inequality_theil_units add up to the
    total of fct_inequality_theil and their percentages to 100. Rows where they do not. -#}
with sums as (
    select year, resource, theil_form, sum(theil_term) as term_sum, sum(contribution_pct) as pct_sum
    from {{ ref('fct_inequality_theil_units') }}
    group by year, resource, theil_form
),

totals as (
    select distinct year, resource, theil_form, theil_value as total
    from {{ ref('fct_inequality_theil') }}
    where component = 'total'
)

select totals.year, totals.resource, totals.theil_form, totals.total, sums.term_sum, sums.pct_sum
from totals
left join sums
    on
        totals.year = sums.year
        and totals.resource = sums.resource
        and totals.theil_form = sums.theil_form
where sums.term_sum is null or abs(sums.term_sum - totals.total) > 1e-12 or abs(sums.pct_sum - 100) > 1e-9
