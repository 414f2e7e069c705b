{#- One row per Fudan ranking edition in the seed: whether it is complete (every rank
    1..medres_fudan_ranking_size present with both scores) and whether it is the default edition
    (var medres_fudan_edition, or when null the latest complete edition). -#}
{%- set chosen = medres_var('medres_fudan_edition') -%}
{%- set size = var('medres_fudan_ranking_size') -%}
with editions as (
    select
        edition,
        count(*) as ranked_hospitals,
        count(distinct hospital_rank) as distinct_ranks,
        sum(case when reputation_score is not null and research_score is not null then 1 else 0 end) as scored_hospitals
    from {{ ref('stg_fudan__hospital_rankings') }}
    where hospital_rank between 1 and {{ size }}
    group by edition
),

flagged as (
    select
        *,
        (distinct_ranks = {{ size }} and scored_hospitals = {{ size }} and ranked_hospitals = {{ size }}) as is_complete
    from editions
)

select
    edition,
    cast(ranked_hospitals as {{ dbt.type_int() }}) as ranked_hospitals,
    cast(scored_hospitals as {{ dbt.type_int() }}) as scored_hospitals,
    is_complete,
    {% if chosen is none -%}
        edition = (
            select max(complete_editions.edition) from flagged as complete_editions
            where complete_editions.is_complete
        )
    {%- else -%}
    edition = {{ chosen }}
    {%- endif %} as is_default_edition
from flagged
