"""The inequality lens across provinces, every year (medres.panel.inequality_panel): Gini, Lorenz
curves, Theil decompositions, agglomeration degrees and the CV of the per-capita indicators."""

from medres.panel import inequality_panel, settings_from_json, stacked_outputs


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("inequality_settings"), "inequality_settings")
    inputs = dbt.ref("int_province_inequality_inputs").df()
    return stacked_outputs(inequality_panel(inputs, "year", "region_code", settings))
