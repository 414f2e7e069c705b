"""HEAT summary measures per year, level, indicator and measure (medres.heat.heat_panel)."""

from medres.heat import heat_panel
from medres.panel import settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("heat_settings"), "heat_settings")
    inputs = dbt.ref("int_heat_disaggregated").df()
    reference = settings["reference_subgroup"]
    return heat_panel(
        inputs,
        references={"province": reference, "city": reference},
        simple_pair=settings["simple_pair"],
        sii_model=settings["sii_model"],
        clip_impact=settings["clip_impact"],
    )
