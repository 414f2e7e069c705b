{#- The diagnostics output of int_cluster_results (see its description). -#}
select
    year,
    k,
    coefficient_at_cut,
    coefficient_jump,
    silhouette,
    cophenetic_correlation,
    is_chosen_k,
    cluster_columns
from {{ ref('int_cluster_results') }}
where output = 'diagnostics'
