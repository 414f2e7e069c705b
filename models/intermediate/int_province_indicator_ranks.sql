{#- Ranks of the RSR indicators within each year (long shape: year, province, indicator), and the
    year's indicator set. Positive indicators (larger is better) are ranked ascending, so the best
    unit gets rank n; negative ones descending. Ties get the average of the ranks they span:
    rank() gives the lowest, and a tie group of size t spans rank() .. rank() + t - 1.
    The weights are normalised to sum to 1 over the indicators the year has. -#}
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
        + (count(*) over (partition by year, indicator, indicator_value) - 1) / 2.0 as indicator_rank
    from indicator_values
)

select
    year,
    region_code,
    indicator,
    indicator_position,
    indicator_column,
    direction,
    configured_weight / sum(configured_weight) over (partition by year, region_code) as weight,
    indicator_value,
    indicator_rank,
    unit_count
from ranked
