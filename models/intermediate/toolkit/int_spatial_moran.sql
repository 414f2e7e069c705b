{#- The moran output of int_spatial_results (see its description). -#}
select
    year,
    indicator,
    n_units,
    moran_i,
    expected_i,
    z_normal,
    p_normal,
    z_permutation,
    p_permutation,
    permutations,
    seed
from {{ ref('int_spatial_results') }}
where output = 'moran'
