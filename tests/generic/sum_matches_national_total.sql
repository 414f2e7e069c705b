{#- Fails when the provinces' sum of a column for the study year differs from the national total
    in var('medres_national_totals')[total] by more than its relative tolerance.
    No rows for the year fail the test unless allow_empty (for optional data such as technicians). The national
    figure and the tolerance live in dbt_project.yml with their sources, not in the test. -#}
{% test sum_matches_national_total(model, column_name, total, year_column='year', allow_empty=false) %}
{%- set check = var('medres_national_totals')[total] -%}
select
    sum({{ column_name }}) as province_sum,
    {{ check['expected'] }} as national_total,
    {{ check['tolerance'] }} as relative_tolerance
from {{ model }}
where {{ year_column }} = {{ var('medres_year') }}
having abs(sum({{ column_name }}) - {{ check['expected'] }}) > {{ check['tolerance'] }} * {{ check['expected'] }}
{%- if not allow_empty %}
    or count(*) = 0
{%- endif %}
{% endtest %}
