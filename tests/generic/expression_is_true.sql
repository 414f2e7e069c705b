{#- Fails on every row for which the SQL `expression` is not true, returning the row's `key`
    columns (plus the `show` columns) so the failure names it; with `group_by` (a list of columns)
    the expression is an aggregate and every group for which it is not true fails, returned by its
    group columns (plus `show`, which may be aggregates). A null result fails: write
    `x is null or ...` where a null is allowed. The expression may use var() and ref(), rendered
    at compile time, so a rule that follows a setting never copies its value. -#}
{% test expression_is_true(model, expression, key=none, group_by=none, show=[], column_name=none) %}
{%- if (key is none) == (group_by is none) -%}
    {{ exceptions.raise_compiler_error("expression_is_true on " ~ model ~ ": give exactly one of key and group_by") }}
{%- endif -%}
{%- if group_by is none %}
select {{ (key + show) | join(', ') }}
from {{ model }}
where not coalesce({{ expression }}, false)
{%- else %}
select {{ (group_by + show) | join(', ') }}, count(*) as group_rows
from {{ model }}
group by {{ group_by | join(', ') }}
having not coalesce({{ expression }}, false)
{%- endif %}
{% endtest %}
