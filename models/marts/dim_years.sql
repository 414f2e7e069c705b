{#- One row per year of the panel with what the year has, and the report year (var medres_year).
    Asking for a year without data stops the build here, naming the years that have data. -#}
{#- Checked when the model runs: the on-run-start check names every wrong var at once, first. -#}
{%- set report_year = medres_var('medres_year') if execute else var('medres_year') -%}
{%- if execute -%}
    {%- set years_query = 'select distinct year from ' ~ ref('int_province_per_capita') ~ ' order by year' -%}
    {%- set available = run_query(years_query).columns[0].values() | map('int') | list -%}
    {%- if report_year not in available -%}
        {{ exceptions.raise_compiler_error("var medres_year = " ~ report_year ~ ": there is no data for that year (population basis '" ~ var('medres_population_basis') ~ "'); years with data: " ~ available | join(', ')) }}
    {%- endif -%}
{%- endif %}

select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(count(*) as {{ dbt.type_int() }}) as unit_count,
    min(population_basis) as population_basis,
    min(health_workforce_measure) as health_workforce_measure,
    count(health_expenditure_per_capita_yuan) > 0 as has_health_expenditure,
    year = {{ report_year }} as is_report_year
from {{ ref('int_province_per_capita') }}
group by year
