"""HEAT summary measures per year, level, indicator and measure (medres.heat.heat_panel)."""

import json

from medres.heat import heat_panel


def model(dbt, session):
    settings = json.loads(dbt.config.get("heat_settings"))
    inputs = dbt.ref("int_heat_disaggregated").df()
    reference = settings["reference_subgroup"]
    return heat_panel(
        inputs,
        references={"province": reference, "city": reference},
        simple_pair=settings["simple_pair"],
        sii_model=settings["sii_model"],
        clip_impact=settings["clip_impact"],
    )
