{#- Ranks of the RSR indicators within each year (long shape: year, province, indicator), and each
    indicator's weight in the year. Positive indicators (larger is better) are ranked ascending, so
    the best unit gets rank n; negative ones descending. Ties get the average of the ranks they
    span: rank() gives the lowest, and a tie group of size t spans rank() .. rank() + t - 1.
    Weights (var medres_rsr_weighting): 'configured' normalises the configured weights over the
    year's indicator set; 'entropy' derives them by the entropy-weight method (formulas in
    medres.rsr.entropy_weights, which a test compares with this model): x' = (x - min)/(max - min)
    (positive) or (max - x)/(max - min) (negative), p = x'/sum(x'), e = -sum(p ln p)/ln n with
    0 ln 0 = 0, d = 1 - e, w = d/sum(d). -#}
with indicator_values as (
    select * from {{ ref('int_province_indicator_values') }}
),

ranked as (
    select
        year,
        region_code,
        indicator,
        indicator_position,
        indicator_column,
        direction,
        configured_weight,
        indicator_value,
        count(*) over (partition by year, indicator) as unit_count,
        case
            when direction = 'positive'
                then rank() over (partition by year, indicator order by indicator_value asc)
            else rank() over (partition by year, indicator order by indicator_value desc)
        end
        + (count(*) over (partition by year, indicator, indicator_value) - 1) / 2.0 as indicator_rank,
        case
            when direction = 'positive'
                then indicator_value - min(indicator_value) over (partition by year, indicator)
            else max(indicator_value) over (partition by year, indicator) - indicator_value
        end
        / nullif(
            max(indicator_value) over (partition by year, indicator)
            - min(indicator_value) over (partition by year, indicator), 0
        ) as normalised_value
    from indicator_values
),

entropy as (
    select
        year,
        indicator,
        1 + sum(
            case when share > 0 then share * ln(share) else 0 end
        ) / ln(max(unit_count)) as divergence
    from (
        select
            year,
            indicator,
            unit_count,
            normalised_value / sum(normalised_value) over (partition by year, indicator) as share
        from ranked
    ) as shares
    group by year, indicator
),

weighted as (
    select
        ranked.*,
        {%- if var('medres_rsr_weighting') == 'entropy' %}
            entropy.divergence as raw_weight
        {%- else %}
            ranked.configured_weight as raw_weight
        {%- endif %}
    from ranked
    inner join entropy
        on ranked.year = entropy.year and ranked.indicator = entropy.indicator
)

select
    year,
    region_code,
    indicator,
    indicator_position,
    indicator_column,
    direction,
    raw_weight / sum(raw_weight) over (partition by year, region_code) as weight,
    indicator_value,
    indicator_rank,
    unit_count
from weighted
