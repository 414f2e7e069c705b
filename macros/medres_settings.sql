{#- The names of the project's settings (dbt vars): the keys of the var spec (medres_var_spec in
    macros/medres_vars.sql), so the published settings and the checked vars are one list. -#}
{% macro medres_setting_names() %}
    {{ return(medres_var_spec().keys() | list) }}
{% endmacro %}
