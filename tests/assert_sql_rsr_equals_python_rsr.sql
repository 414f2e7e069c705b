-- The SQL ranks / RSR and the Python package's (medres.rsr) agree for every unit. WRSR is compared
-- only when both use the configured weights (entropy weights exist only in Python).
select sql_side.year, sql_side.region_code, sql_side.rsr as sql_rsr, python_side.rsr as python_rsr
from {{ ref('int_province_indicator_ranks') }} as sql_side
full outer join {{ ref('int_rsr_units') }} as python_side
    on sql_side.year = python_side.year
    and sql_side.region_code = python_side.region_code
where sql_side.region_code is null
   or python_side.region_code is null
   or abs(sql_side.rsr - python_side.rsr) > 1e-9
   {%- for indicator in rsr_indicators() %}
   or abs(sql_side.{{ indicator.name }}_rank - python_side.{{ indicator.name }}_rank) > 1e-9
   {%- endfor %}
   {%- if var('medres_rsr_weighting') == 'configured' %}
   or abs(sql_side.wrsr - python_side.wrsr) > 1e-9
   {%- endif %}
