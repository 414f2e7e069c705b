"""The RSR grading of the provinces, every year: probit table, regression, cut-offs and grades
(medres.panel.grading_panel) of the RSR / WRSR that SQL computed (int_province_rank_sums)."""

from medres.panel import grading_panel, settings_from_json, stacked_outputs


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("rsr_settings"), "rsr_settings")
    scores = dbt.ref("int_province_rank_sums").df()
    return stacked_outputs(grading_panel(scores, "year", "region_code", settings))
