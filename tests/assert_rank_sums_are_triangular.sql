-- Years do not leak: the average ranks of every indicator sum to n(n+1)/2 within each year (n =
-- the year's units), in the SQL model and in the mart.
{%- for relation in [ref('int_province_indicator_ranks'), ref('fct_province_indicator_ranks')] %}
    select '{{ relation.identifier }}' as model, year, indicator, count(*) as n, sum(indicator_rank) as rank_sum
    from {{ relation }}
    group by year, indicator
    having abs(sum(indicator_rank) - count(*) * (count(*) + 1) / 2.0) > 1e-9
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
