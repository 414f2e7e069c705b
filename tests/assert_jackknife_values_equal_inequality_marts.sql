{#- The jackknife's index with every province (medres.robustness, its own arithmetic) equals the
    Gini of fct_inequality_gini and the Theil total of fct_inequality_theil (medres.inequality):
    rows where the two computations disagree, or a jackknife row without its index. -#}
with published as (
    select year, resource, 'gini_' || weight_basis as measure, gini as index_value
    from {{ ref('fct_inequality_gini') }}
    union all
    select distinct year, resource, theil_form, theil_value
    from {{ ref('fct_inequality_theil') }}
    where component = 'total'
)

select
    jackknife.year,
    jackknife.resource,
    jackknife.measure,
    jackknife.index_value,
    published.index_value as published_value
from {{ ref('fct_inequality_jackknife') }} as jackknife
left join published
    on
        jackknife.year = published.year
        and jackknife.resource = published.resource
        and jackknife.measure = published.measure
where published.index_value is null or abs(jackknife.index_value - published.index_value) > 1e-12
