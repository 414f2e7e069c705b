"""When each province reaches each evaluable plan target at its recent pace (medres.targets)."""

from medres.panel import settings_from_json
from medres.targets import projection_panel


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("target_settings"), "target_settings")
    per_capita = dbt.ref("int_province_per_capita").df()
    targets = dbt.ref("stg_reference__plan_targets").df()
    return projection_panel(per_capita, targets, settings)
