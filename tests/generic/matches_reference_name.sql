{#- Fails on every row whose name disagrees with the name the reference model gives its code:
    catches a row keyed to the wrong province. -#}
{% test matches_reference_name(model, column_name, key, to, to_name) %}
select child.{{ key }}, child.{{ column_name }}, parent.{{ to_name }} as reference_name
from {{ model }} as child
join {{ to }} as parent on child.{{ key }} = parent.{{ key }}
where child.{{ column_name }} <> parent.{{ to_name }}
{% endtest %}
