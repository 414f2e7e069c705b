{#- Fails on every group (e.g. every year) that does not hold exactly `expected` rows.
    Used for "31 provinces per year" without any model assuming that count. -#}
{% test rows_per_group(model, group_by, expected) %}
select {{ group_by }}, count(*) as row_count
from {{ model }}
group by {{ group_by }}
having count(*) <> {{ expected }}
{% endtest %}
