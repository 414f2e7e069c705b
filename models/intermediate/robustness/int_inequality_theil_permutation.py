"""Permutation test of the between-region shares of Theil T and L per year, resource and regional
division (medres.robustness.permutation_panel)."""

from medres.panel import settings_from_json
from medres.robustness import permutation_panel


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("permutation_settings"), "permutation_settings")
    inputs = dbt.ref("int_province_inequality_inputs").df()
    return permutation_panel(inputs, "year", "region_code", settings)
