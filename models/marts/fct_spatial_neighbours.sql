{#- The spatial weights of the provinces: queen-contiguity neighbour pairs (both directions) from
    assets/geo plus the island links of var medres_spatial_island_links. -#}
select
    cast(region_code as varchar) as region_code,
    cast(neighbour_code as varchar) as neighbour_code,
    cast(link as varchar) as link
from {{ ref('int_spatial_neighbours') }}
