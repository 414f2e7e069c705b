"""Inequality lens per year: the gini output of medres.panel.inequality_panel (see its docs)."""

from medres.panel import inequality_panel, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("inequality_settings"), "inequality_settings")
    inputs = dbt.ref("int_province_inequality_inputs").df()
    return inequality_panel(inputs, "year", "region_code", settings)["gini"]
