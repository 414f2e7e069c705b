{#- Per year and cluster of the chosen k, the mean of every column the year was clustered on
    (fct_cluster_diagnostics.cluster_columns, from var medres_cluster_columns), one row per column:
    the numbers of the study's Tables 2-6, for whatever columns are configured. -#}
{%- set columns = var('medres_cluster_columns') -%}
with used as (
    select distinct year, cluster_columns
    from {{ ref('int_cluster_diagnostics') }}
),

members as (
    select clusters.year, clusters.k, clusters.cluster, totals.*
    from {{ ref('fct_province_clusters') }} as clusters
    inner join {{ ref('int_province_resource_totals') }} as totals
        on
            clusters.year = totals.year
            and clusters.region_code = totals.region_code
    where clusters.is_chosen_k
),

long_values as (
    {%- for column in columns %}
        select
            members.year, members.k, members.cluster, '{{ column }}' as indicator_column,
            cast(members.{{ column }} as {{ type_double() }}) as indicator_value
        from members
        inner join used on members.year = used.year
        where ',' || used.cluster_columns || ',' like '%,{{ column }},%'
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    cast(year as {{ dbt.type_int() }}) as year,
    cast(k as {{ dbt.type_int() }}) as k,
    cast(cluster as {{ dbt.type_int() }}) as cluster,
    indicator_column,
    cast(avg(indicator_value) as {{ type_double() }}) as mean_value
from long_values
group by year, k, cluster, indicator_column
