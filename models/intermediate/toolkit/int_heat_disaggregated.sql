{#- The disaggregated data of the HEAT lens in long shape: one row per year, level (province or
    city), per-capita indicator and unit with the estimate, the unit's population in persons, the
    indicator type (all medres resources are favourable: more is better) and scale (the "per"
    of the indicator: 1000 for per 1,000 people, 1 for yuan per person), and for provinces the
    ordering variable of the ordered measures (per-capita gross regional product, NBS). Cities
    have no ordering (null). Units without a positive estimate and population are left out. -#}
{%- set province_indicators = [
    ('beds_per_1000', 1000, 'Beds in medical and health institutions per 1,000 people'),
    ('institutions_per_10k', 10000, 'Medical and health institutions per 10,000 people'),
    ('health_workforce_per_1000', 1000, 'Health technicians (or health personnel) per 1,000 people'),
    ('health_expenditure_per_capita_yuan', 1, 'Total health expenditure per capita (yuan)'),
] -%}
{%- set city_indicators = [
    ('beds_per_1000', 1000, 'Beds per 1,000 people (city yearbook)'),
    ('doctors_per_1000', 1000, 'Doctors per 1,000 people (city yearbook)'),
] -%}

with provinces as (
    select
        per_capita.*,
        names.province_en,
        gdp.gdp_per_capita_yuan
    from {{ ref('int_province_per_capita') }} as per_capita
    left join {{ ref('int_region_names') }} as names
        on per_capita.region_code = names.region_code
    left join {{ ref('stg_nbs__gdp_per_capita') }} as gdp
        on per_capita.year = gdp.year and per_capita.region_code = gdp.region_code
),

cities as (
    select * from {{ ref('int_city_per_capita') }}
),

long as (
    {% for column, scale, name in province_indicators -%}
        select
            year,
            'province' as level,
            '{{ column }}' as indicator,
            '{{ name }}' as indicator_name,
            region_code as unit_code,
            province_en as unit_name,
            cast({{ column }} as {{ type_double() }}) as estimate,
            cast(population_10k * 10000 as {{ type_double() }}) as population,
            true as favourable,
            cast({{ scale }} as {{ type_double() }}) as scale,
            cast(gdp_per_capita_yuan as {{ type_double() }}) as order_value
        from provinces
        union all
    {% endfor -%}
    {% for column, scale, name in city_indicators -%}
        select
            year,
            'city' as level,
            '{{ column }}' as indicator,
            '{{ name }}' as indicator_name,
            city_code as unit_code,
            city_zh as unit_name,
            cast({{ column }} as {{ type_double() }}) as estimate,
            cast(population_10k * 10000 as {{ type_double() }}) as population,
            true as favourable,
            cast({{ scale }} as {{ type_double() }}) as scale,
            cast(null as {{ type_double() }}) as order_value
        from cities
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select *
from long
where estimate > 0 and population > 0
