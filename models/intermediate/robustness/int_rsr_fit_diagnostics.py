"""Per year, the RSR-on-probit fit's diagnostics that can fail: curvature, residual runs, ties
(medres.robustness.fit_diagnostics_panel)."""

from medres.panel import settings_from_json
from medres.robustness import fit_diagnostics_panel


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("rsr_robustness_settings"), "rsr_robustness_settings")
    per_capita = dbt.ref("int_province_per_capita").df()
    return fit_diagnostics_panel(per_capita, "year", "region_code", settings)
