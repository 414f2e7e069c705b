{#- One row per medres setting (dbt var) with the value this build used, as JSON: the report,
    the figures and the great-expectations gate read the settings from here, so a --vars override
    reaches everything that reads the published marts. -#}
{% for name in medres_setting_names() -%}
    select
        '{{ name }}' as setting,
        '{{ tojson(var(name)) | replace("'", "''") }}' as value_json
    {% if not loop.last %}union all
    {% endif %}
{%- endfor %}
