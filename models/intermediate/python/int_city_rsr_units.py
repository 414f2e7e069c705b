"""RSR across cities per year: the units output of medres.panel.rsr_panel (see its docs).

Units are the city-years with both indicators (beds and doctors per 1,000) defined."""

from medres.city import rsr_units_frame
from medres.panel import rsr_panel, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("city_rsr_settings"), "city_rsr_settings")
    cities = rsr_units_frame(dbt.ref("int_city_per_capita").df(), settings["indicators"])
    return rsr_panel(cities, "year", "city_code", settings)["units"]
