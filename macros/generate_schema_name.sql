{#- Schema names per target, so dev, CI and prod can share one warehouse without overwriting each
    other:

    - target `prod` (the default target in profiles.yml; what `make build` builds and
      medres.publish reads) uses the configured names as they are: raw, staging, intermediate,
      marts — stable names for BI users and the published copy;
    - any other target prefixes them with its own schema: `--target dev` (schema dev) writes
      dev_raw, dev_staging, dev_intermediate, dev_marts; `--target ci` writes ci_*.

    A node without a custom schema goes to the target's schema, as in dbt's default. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name == 'prod' -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
