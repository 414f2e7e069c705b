"""Hierarchical clustering of cities, every year, on beds and doctors per 1,000
(medres.panel.cluster_panel): the memberships and diagnostics the city marts read.

Units are the city-years with every cluster column defined."""

from medres.panel import cluster_panel, settings_from_json, stacked_outputs


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("city_cluster_settings"), "city_cluster_settings")
    cities = dbt.ref("int_city_per_capita").df()
    units = cities.dropna(subset=settings["columns"])[["year", "city_code", *settings["columns"]]]
    outputs = cluster_panel(units, "year", "city_code", settings)
    return stacked_outputs({name: outputs[name] for name in ("memberships", "diagnostics")})
