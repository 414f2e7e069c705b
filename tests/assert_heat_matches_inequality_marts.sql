{#- The HEAT lens and the inequality lens measure the same thing three times over: for every year
    and per-capita indicator of the provinces, HEAT TI = 1000 x Theil T, MLD = 1000 x Theil L
    (fct_inequality_theil, the resource's total against the population) and COV = 100 x the
    population-weighted CV (fct_indicator_dispersion). Returns the rows that differ by more than
    1e-9 relative; a HEAT row without its inequality counterpart is returned too. -#}
{%- set all_resources = {
    'beds_per_1000': 'beds_10k',
    'institutions_per_10k': 'institutions',
    'health_workforce_per_1000': 'health_technicians_10k',
    'health_expenditure_per_capita_yuan': 'health_expenditure_10k_yuan',
} -%}
{#- Only the resources the inequality lens measures (var medres_inequality_resources) have a
    Theil row. -#}
{%- set resources = {} -%}
{%- for indicator, resource in all_resources.items() -%}
    {%- if resource in var('medres_inequality_resources') -%}
        {%- do resources.update({indicator: resource}) -%}
    {%- endif -%}
{%- endfor -%}
with heat as (
    select year, indicator, measure, measure_value
    from {{ ref('fct_heat_measures') }}
    where
        level = 'province'
        and (
            measure = 'COV'
            or (measure in ('TI', 'MLD') and indicator in ('{{ resources.keys() | join("', '") }}'))  -- noqa: LT05
        )
),

years as (
    select year, health_workforce_measure from {{ ref('dim_years') }}
),

resource_map as (
    {% for indicator, resource in resources.items() -%}
        select '{{ indicator }}' as indicator, '{{ resource }}' as resource
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

expected as (
    select
        theil.year, resource_map.indicator,
        case theil.theil_form when 'theil_t' then 'TI' else 'MLD' end as measure,
        1000 * theil.theil_value as expected_value
    from {{ ref('fct_inequality_theil') }} as theil
    inner join resource_map on theil.resource = resource_map.resource
    where
        theil.component = 'total'
        and theil.grouping = '{{ var("medres_inequality_groupings")[0] }}'
    union all
    select year, indicator, 'COV' as measure, 100 * weighted_cv as expected_value
    from {{ ref('fct_indicator_dispersion') }}
)

select heat.*, expected.expected_value
from heat
inner join years on heat.year = years.year
left join expected
    on heat.year = expected.year and heat.indicator = expected.indicator and heat.measure = expected.measure
where
    -- the workforce indicator counts technicians only in years whose series is complete
    not (
        heat.indicator = 'health_workforce_per_1000'
        and years.health_workforce_measure != 'health_technicians_per_1000'
    )
    and (
        expected.expected_value is null
        or abs(heat.measure_value - expected.expected_value) > 1e-9 * greatest(1, abs(expected.expected_value))
    )
