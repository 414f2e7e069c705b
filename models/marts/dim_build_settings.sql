{#- One row per medres setting (dbt var) with the value this build used, as JSON: the report,
    the figures and the great-expectations gate read the settings from here, so a --vars override
    reaches everything that reads the published marts. The settings are the vars of the spec in
    macros/medres_vars.sql (medres_var_spec), the one list of them. -#}
{% for name in medres_var_spec().keys() | list -%}
    select
        '{{ name }}' as setting,
        '{{ tojson(var(name)) | replace("'", "''") }}' as value_json
    {% if not loop.last %}union all
    {% endif %}
{%- endfor %}
