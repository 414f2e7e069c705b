"""RSR evaluation per year: the units output of medres.panel.rsr_panel (see its docs)."""

from medres.panel import rsr_panel, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("rsr_settings"), "rsr_settings")
    ranks = dbt.ref("int_province_indicator_ranks").df()
    return rsr_panel(ranks, "year", "region_code", settings)["units"]
