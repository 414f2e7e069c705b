"""RSR across cities per year: the evaluations output of medres.panel.rsr_panel (see its docs).

Units are the city-years with both indicators (beds and doctors per 1,000) defined."""

from medres.panel import rsr_panel, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("city_rsr_settings"), "city_rsr_settings")
    columns = [indicator["name"] for indicator in settings["indicators"]]
    cities = dbt.ref("int_city_per_capita").df()
    wide = (cities.dropna(subset=columns)[["year", "city_code", *columns]]
            .rename(columns={column: f"{column}_value" for column in columns}))
    return rsr_panel(wide, "year", "city_code", settings)["evaluations"]
