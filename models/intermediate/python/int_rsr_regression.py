"""RSR evaluation per year: the regression output of medres.panel.rsr_panel (see its docs)."""

from medres.panel import rsr_panel, settings_from_json, wide_indicator_values


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("rsr_settings"), "rsr_settings")
    values = dbt.ref("int_province_indicator_values").df()
    wide = wide_indicator_values(values, "year", "region_code", settings["indicators"])
    return rsr_panel(wide, "year", "region_code", settings)["regression"]
