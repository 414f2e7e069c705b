-- Per edition the provinces' shares of the national high-quality score sum to 1, their hospitals
-- to the full ranking (medres_fudan_ranking_size), and their totals to the hospitals' scores.
with mart as (
    select
        edition,
        sum(share_of_national_total) as share_sum,
        sum(hospital_count) as hospitals,
        sum(total_score) as total
    from {{ ref('fct_province_quality_scores') }}
    group by edition
),

ranking as (
    select edition, sum(reputation_score + research_score) as total
    from {{ ref('int_hospital_rankings_located') }}
    group by edition
)

select mart.*, ranking.total as ranking_total
from mart
left join ranking on mart.edition = ranking.edition
where
    abs(mart.share_sum - 1) > 1e-9
    or mart.hospitals <> {{ var('medres_fudan_ranking_size') }}
    or ranking.total is null
    or abs(mart.total - ranking.total) > 1e-6
