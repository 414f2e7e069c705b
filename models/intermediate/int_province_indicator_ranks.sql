{#- Ranks of the configured RSR indicators within each year, and the rank-sum ratios.
    Positive indicators (larger is better) are ranked ascending, so the best unit gets rank n;
    negative ones descending. Ties get the average of the ranks they span:
    rank() gives the lowest, and a tie group of size t spans rank() .. rank() + t - 1.
    RSR = sum_j R_j / (m * n); WRSR = sum_j w_j R_j / n with the weights normalised to sum to 1. -#}
{%- set indicators = rsr_indicators() -%}
{%- set weight_total = rsr_weight_total() -%}

with per_capita as (
    select * from {{ ref('int_province_per_capita') }}
),

ranked as (
    select
        year,
        region_code,
        count(*) over (partition by year) as unit_count,
        {%- for indicator in indicators %}
        {{ indicator.column }} as {{ indicator.name }}_value,
        rank() over (
            partition by year
            order by {{ indicator.column }} {{ 'asc' if indicator.direction == 'positive' else 'desc' }}
        ) + (count(*) over (partition by year, {{ indicator.column }}) - 1) / 2.0 as {{ indicator.name }}_rank
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from per_capita
)

select
    year,
    region_code,
    unit_count,
    {%- for indicator in indicators %}
    {{ indicator.name }}_value,
    {{ indicator.name }}_rank,
    {%- endfor %}
    ({% for indicator in indicators %}{{ indicator.name }}_rank{% if not loop.last %} + {% endif %}{% endfor %})
        / ({{ indicators | length }} * unit_count) as rsr,
    ({% for indicator in indicators %}{{ indicator.get('weight', 1) / weight_total }} * {{ indicator.name }}_rank{% if not loop.last %} + {% endif %}{% endfor %})
        / unit_count as wrsr
from ranked
