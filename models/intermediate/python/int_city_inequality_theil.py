"""Inequality across cities per year: the theil output of medres.city.city_inequality_panel
(population-weighted Gini; Theil with the nested region / province / city decomposition)."""

from medres.city import city_inequality_panel
from medres.panel import settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("city_inequality_settings"), "city_inequality_settings")
    inputs = dbt.ref("int_city_inequality_inputs").df()
    return city_inequality_panel(inputs, "year", "city_code", settings)["theil"]
