"""Inequality across cities, every year (medres.city.city_inequality_panel): population-weighted
Gini, the nested region / province / city Theil decomposition and each city's within term."""

from medres.city import city_inequality_panel
from medres.panel import settings_from_json, stacked_outputs


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("city_inequality_settings"), "city_inequality_settings")
    inputs = dbt.ref("int_city_inequality_inputs").df()
    return stacked_outputs(city_inequality_panel(inputs, "year", "city_code", settings))
