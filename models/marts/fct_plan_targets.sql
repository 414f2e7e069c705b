{#- The national plan targets of seed plan_targets, with whether medres holds the indicator
    (is_evaluable); a target without a medres column is listed as not evaluable. -#}
select
    target_id,
    document,
    document_zh,
    issued,
    target_year,
    indicator,
    target_value,
    unit,
    medres_column,
    medres_column is not null as is_evaluable,
    source_url
from {{ ref('stg_reference__plan_targets') }}
