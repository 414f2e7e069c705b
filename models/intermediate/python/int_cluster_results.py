"""Hierarchical clustering of the provinces' resource totals, every year (medres.panel.cluster_panel):
memberships, agglomeration schedule, dendrogram leaves and diagnostics from one tree per year."""

from medres.panel import cluster_panel, settings_from_json, stacked_outputs


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("cluster_settings"), "cluster_settings")
    totals = dbt.ref("int_province_resource_totals").df()
    return stacked_outputs(cluster_panel(totals, "year", "region_code", settings))
