"""Queen-contiguity neighbours of the provinces plus the island links (medres.spatial)."""

from medres.panel import settings_from_json
from medres.spatial import province_neighbours


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("spatial_settings"), "spatial_settings")
    return province_neighbours(island_links=settings["island_links"])
