"""Hierarchical clustering per year: the schedule output of medres.panel.cluster_panel (see its docs)."""

from medres.panel import cluster_panel, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("cluster_settings"), "cluster_settings")
    totals = dbt.ref("int_province_resource_totals").df()
    return cluster_panel(totals, "year", "region_code", settings)["schedule"]
