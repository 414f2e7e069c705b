"""The spatial lens once (medres.spatial.spatial_panel, esda): global Moran's I per year and
indicator, and local Moran (LISA) clusters per year, indicator and province, stacked
(medres.panel.stacked_outputs). The only model that draws from NumPy's global generator."""

from medres.panel import settings_from_json, stacked_outputs
from medres.spatial import spatial_panel


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("spatial_settings"), "spatial_settings")
    neighbours = dbt.ref("int_spatial_neighbours").df()
    per_capita = dbt.ref("int_province_per_capita").df()
    return stacked_outputs(spatial_panel(per_capita, neighbours, settings))
