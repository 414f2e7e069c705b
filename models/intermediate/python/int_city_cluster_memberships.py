"""Hierarchical clustering of cities per year: the memberships output of medres.panel.cluster_panel.

Units are the city-years with every cluster column (beds and doctors per 1,000) defined."""

from medres.panel import cluster_panel, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("city_cluster_settings"), "city_cluster_settings")
    cities = dbt.ref("int_city_per_capita").df()
    units = cities.dropna(subset=settings["columns"])[["year", "city_code", *settings["columns"]]]
    return cluster_panel(units, "year", "city_code", settings)["memberships"]
