{#- Is a province's RSR grade robust? Per year and province, the share of the method's variants
    (fct_rsr_grade_variants, the default excluded) that give the configured grade, overall and per
    variant family; robust when the overall share reaches var medres_rsr_robust_share. -#}
{%- set families = ['method', 'indicator_column', 'leave_one_indicator_out', 'leave_one_unit_out'] -%}
with variants as (
    select
        *,
        case when agrees then 1.0 else 0.0 end as agreement
    from {{ ref('fct_rsr_grade_variants') }}
    where variant_family <> 'default'
)

select
    year,
    region_code,
    province_en,
    cast(max(default_grade) as {{ dbt.type_int() }}) as default_grade,
    cast(count(*) as {{ dbt.type_int() }}) as n_variants,
    cast(sum(agreement) as {{ dbt.type_int() }}) as n_agree,
    cast(avg(agreement) as {{ type_double() }}) as agree_share,
    {%- for family in families %}
        cast(avg(case when variant_family = '{{ family }}' then agreement end) as {{ type_double() }})
            as agree_share_{{ family }},
    {%- endfor %}
    cast(min(grade) as {{ dbt.type_int() }}) as best_grade_seen,
    cast(max(grade) as {{ dbt.type_int() }}) as worst_grade_seen,
    string_agg(case when not agrees then variant end, '; ' order by variant) as disagreeing_variants,
    avg(agreement) >= {{ medres_var('medres_rsr_robust_share') }} as is_robust
from variants
group by year, region_code, province_en
