{#- Fails on every row whose value lies outside its plausibility band in var
    medres_plausibility_bands (the one copy of the bands, shared with the seed check and the
    great-expectations gate): the band named `band`, or the band named by each row's
    `band_column` (e.g. R3's health_workforce_measure names the technicians or the personnel
    band). Nulls are left to not_null. -#}
{% test within_plausibility_band(model, column_name, band=none, band_column=none) %}
{%- set bands = var('medres_plausibility_bands') -%}
{%- if (band is none) == (band_column is none) -%}
    {{ exceptions.raise_compiler_error("within_plausibility_band on " ~ column_name ~ ": give exactly one of band and band_column") }}
{%- endif -%}
{%- if band is not none and band not in bands -%}
    {{ exceptions.raise_compiler_error("within_plausibility_band on " ~ column_name ~ ": no band '" ~ band ~ "' in var medres_plausibility_bands") }}
{%- endif -%}
with limits as (
    {%- for name, limit in bands.items() %}
    select '{{ name }}' as band, {{ limit['min'] }} as min_value, {{ limit['max'] }} as max_value
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select checked.{{ column_name }}, limits.band, limits.min_value, limits.max_value
from {{ model }} as checked
left join limits
    on limits.band = {% if band is not none %}'{{ band }}'{% else %}checked.{{ band_column }}{% endif %}
where checked.{{ column_name }} is not null
    and (limits.band is null
         or checked.{{ column_name }} < limits.min_value
         or checked.{{ column_name }} > limits.max_value)
{% endtest %}
