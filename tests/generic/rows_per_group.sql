{#- Fails on every group (e.g. every year) that does not hold exactly the expected number of rows:
    `expected` rows, or as many as `units_of` (a model, e.g. the reference list of provinces)
    holds, plus `offset` (e.g. -1 for the n - 1 merges of a clustering). The count follows the
    reference data, so no model or setting assumes 31. -#}
{% test rows_per_group(model, group_by, expected=none, units_of=none, offset=0) %}
{%- if (expected is none) == (units_of is none) -%}
    {{ exceptions.raise_compiler_error("rows_per_group needs exactly one of expected and units_of") }}
{%- endif -%}
with expected_count as (
    {%- if units_of is none %}
    select {{ expected }} as expected_rows
    {%- else %}
    select count(*) + {{ offset }} as expected_rows from {{ units_of }}
    {%- endif %}
)

select {{ group_by }}, count(*) as row_count, max(expected_count.expected_rows) as expected_rows
from {{ model }}
cross join expected_count
group by {{ group_by }}
having count(*) <> max(expected_count.expected_rows)
{% endtest %}
