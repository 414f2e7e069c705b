-- The SQL RSR (from the long ranks) and the Python package's (medres.rsr) agree for every unit and
-- year. WRSR is compared only when both use the configured weights (entropy weights exist only
-- in Python).
select sql_side.year, sql_side.region_code, sql_side.rsr as sql_rsr, python_side.rsr as python_rsr
from {{ ref('int_province_rank_sums') }} as sql_side
full outer join {{ ref('int_rsr_units') }} as python_side
    on
        sql_side.year = python_side.year
        and sql_side.region_code = python_side.region_code
where
    sql_side.region_code is null
    or python_side.region_code is null
    or abs(sql_side.rsr - python_side.rsr) > 1e-9
    {%- if var('medres_rsr_weighting') == 'configured' %}
        or abs(sql_side.wrsr - python_side.wrsr) > 1e-9
    {%- endif %}
