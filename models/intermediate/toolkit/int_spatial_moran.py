"""Global Moran's I per year and indicator (medres.spatial.moran_panel, esda)."""

import json

from medres.spatial import moran_panel


def model(dbt, session):
    settings = json.loads(dbt.config.get("spatial_settings"))
    neighbours = dbt.ref("int_spatial_neighbours").df()
    per_capita = dbt.ref("int_province_per_capita").df()
    return moran_panel(per_capita, neighbours, settings)
