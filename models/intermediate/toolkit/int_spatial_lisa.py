"""Local Moran (LISA) clusters per year, indicator and province (medres.spatial.lisa_panel, esda)."""

import json

from medres.spatial import lisa_panel


def model(dbt, session):
    settings = json.loads(dbt.config.get("spatial_settings"))
    neighbours = dbt.ref("int_spatial_neighbours").df()
    per_capita = dbt.ref("int_province_per_capita").df()
    return lisa_panel(per_capita, neighbours, settings)
