-- Every acknowledged exception names a real cell: the city has a row in that year, the cell is
-- the one the converter read for the variable (source_cells: label, beds, doctors, population),
-- and the printed value equals the seed's.
with exceptions as (
    select * from {{ ref('stg_city__acknowledged_exceptions') }}
),

cities as (
    select
        *,
        split_part(source_cells, '!', 1) as sheet,
        string_split(split_part(source_cells, '!', 2), ',') as cells
    from {{ ref('stg_city__health_resources') }}
)

select
    exceptions.year,
    exceptions.city_code,
    exceptions.city_zh,
    exceptions.variable,
    exceptions.source_cell,
    exceptions.printed_value
from exceptions
left join cities
    on exceptions.year = cities.year and exceptions.city_code = cities.city_code
where
    cities.city_code is null
    or exceptions.source_cell <> cities.sheet || '!' || case exceptions.variable
        when 'beds' then cities.cells[2]
        when 'doctors' then cities.cells[3]
        else cities.cells[4]
    end
    or exceptions.printed_value is distinct from case exceptions.variable
        when 'beds' then cast(cities.beds as double)
        when 'doctors' then cast(cities.doctors as double)
        else cities.population_10k
    end
