"""Queen-contiguity neighbours of the provinces plus the island links (medres.spatial)."""

import json

from medres.spatial import province_neighbours


def model(dbt, session):
    settings = json.loads(dbt.config.get("spatial_settings"))
    return province_neighbours(island_links=settings["island_links"])
