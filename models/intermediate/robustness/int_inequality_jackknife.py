"""Leave-one-province-out (jackknife) ranges of the Gini and Theil indices per year and resource
(medres.robustness.jackknife_panel)."""

from medres.panel import settings_from_json
from medres.robustness import jackknife_panel


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("jackknife_settings"), "jackknife_settings")
    inputs = dbt.ref("int_province_inequality_inputs").df()
    return jackknife_panel(inputs, "year", "region_code", settings)
