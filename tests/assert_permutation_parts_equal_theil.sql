{#- The permutation test's observed total and between part (medres.robustness, its own arithmetic)
    equal those of fct_inequality_theil (medres.inequality). -#}
select permutation.year, permutation.resource, permutation.grouping, permutation.theil_form
from {{ ref('fct_inequality_theil_permutation') }} as permutation
inner join {{ ref('fct_inequality_theil') }} as theil
    on
        permutation.year = theil.year
        and permutation.resource = theil.resource
        and permutation.grouping = theil.grouping
        and permutation.theil_form = theil.theil_form
where
    theil.component in ('total', 'between')
    and abs(theil.theil_value - case theil.component
        when 'total' then permutation.theil_total else permutation.between_value
    end) > 1e-12
