-- Average ranks of every indicator sum to n(n+1)/2 within each year, in SQL and in the mart.
{%- set indicators = rsr_indicators() %}
{%- for relation in [ref('int_province_indicator_ranks'), ref('fct_province_rsr')] %}
select '{{ relation.identifier }}' as model, year
from (
    select
        year,
        count(*) as n
        {%- for indicator in indicators %},
        sum({{ indicator.name }}_rank) as {{ indicator.name }}_sum
        {%- endfor %}
    from {{ relation }}
    group by year
) as sums
where false
    {%- for indicator in indicators %}
    or abs({{ indicator.name }}_sum - n * (n + 1) / 2.0) > 1e-9
    {%- endfor %}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
