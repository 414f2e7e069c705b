"""When each province reaches each evaluable plan target at its recent pace (medres.targets)."""

import json

from medres.targets import projection_panel


def model(dbt, session):
    settings = json.loads(dbt.config.get("target_settings"))
    per_capita = dbt.ref("int_province_per_capita").df()
    targets = dbt.ref("stg_reference__plan_targets").df()
    return projection_panel(per_capita, targets, settings)
