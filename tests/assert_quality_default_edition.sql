-- Exactly one edition of fct_province_quality_scores is the default one and, when
-- var medres_fudan_edition is set, it is that edition (a partial or unknown edition fails here).
{%- set chosen = medres_var('medres_fudan_edition') %}
select count(distinct edition) as default_editions, min(edition) as default_edition
from {{ ref('fct_province_quality_scores') }}
where is_default_edition
having count(distinct edition) <> 1
{%- if chosen is not none %}
    or min(edition) <> {{ chosen }}
{%- endif %}
