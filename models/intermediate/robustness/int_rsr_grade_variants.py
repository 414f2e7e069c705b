"""Each province's RSR grade per year under every variant of the method
(medres.robustness.grade_variants_panel)."""

from medres.panel import settings_from_json
from medres.robustness import grade_variants_panel


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("rsr_robustness_settings"), "rsr_robustness_settings")
    per_capita = dbt.ref("int_province_per_capita").df()
    return grade_variants_panel(per_capita, "year", "region_code", settings)
