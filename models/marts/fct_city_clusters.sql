{#- The chosen-k solution (var medres_cluster_k) of the hierarchical clustering of cities per
    year on beds and doctors per 1,000 (the provincial lens's method vars medres_cluster_*). -#}
select
    cast(members.year as {{ dbt.type_int() }}) as year,
    members.city_code,
    cities.city_zh,
    cities.province_code,
    cities.province_zh,
    cast(members.case_number as {{ dbt.type_int() }}) as case_number,
    cast(members.k as {{ dbt.type_int() }}) as k,
    cast(members.cluster as {{ dbt.type_int() }}) as cluster,
    cities.beds_per_1000,
    cities.doctors_per_1000
from {{ ref('int_city_cluster_memberships') }} as members
inner join {{ ref('int_city_per_capita') }} as cities
    on members.year = cities.year and members.city_code = cities.city_code
where members.is_chosen_k
