{#- High-quality medical resources per province (the study's section 5 and Fig. 5): for every
    complete Fudan edition, the sums of the reputation and research scores of the province's
    top-100 hospitals; all provinces, zero where a province has none. (docs block quality_method) -#}
with editions as (
    select edition, is_default_edition
    from {{ ref('int_hospital_ranking_editions') }}
    where is_complete
),

provinces as (
    select region_code, province_zh, province_en
    from {{ ref('int_region_names') }}
),

hospitals as (
    select
        edition,
        region_code,
        count(*) as hospital_count,
        sum(reputation_score) as reputation_sum,
        sum(research_score) as research_sum
    from {{ ref('int_hospital_rankings_located') }}
    group by edition, region_code
),

scores as (
    select
        editions.edition,
        editions.is_default_edition,
        provinces.region_code,
        provinces.province_zh,
        provinces.province_en,
        coalesce(hospitals.hospital_count, 0) as hospital_count,
        coalesce(hospitals.reputation_sum, 0) as reputation_sum,
        coalesce(hospitals.research_sum, 0) as research_sum,
        coalesce(hospitals.reputation_sum, 0) + coalesce(hospitals.research_sum, 0) as total_score
    from editions
    cross join provinces
    left join hospitals
        on
            editions.edition = hospitals.edition
            and provinces.region_code = hospitals.region_code
)

select
    cast(edition as {{ dbt.type_int() }}) as edition,
    region_code,
    province_zh,
    province_en,
    cast(hospital_count as {{ dbt.type_int() }}) as hospital_count,
    cast(reputation_sum as {{ type_double() }}) as reputation_sum,
    cast(research_sum as {{ type_double() }}) as research_sum,
    cast(total_score as {{ type_double() }}) as total_score,
    cast(total_score / sum(total_score) over (partition by edition) as {{ type_double() }}) as share_of_national_total,
    -- Scores are sums of 3-decimal values: rounded before ranking so float noise cannot split a tie.
    cast(rank() over (partition by edition order by round(total_score, 6) desc) as {{ dbt.type_int() }})
        as quality_rank,
    is_default_edition
from scores
