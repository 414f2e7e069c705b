{#- Fails on every row whose value is not strictly positive (nulls are left to not_null). -#}
{% test positive(model, column_name) %}
select * from {{ model }} where {{ column_name }} <= 0
{% endtest %}
