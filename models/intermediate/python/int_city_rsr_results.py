"""RSR across cities, every year, on beds and doctors per 1,000: the scores (medres.panel.scored_units)
of the city-years with both indicators, then their grading (medres.panel.grading_panel)."""

from medres.panel import grading_panel, scored_units, settings_from_json, stacked_outputs


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("city_rsr_settings"), "city_rsr_settings")
    cities = dbt.ref("int_city_per_capita").df()
    scores = scored_units(cities, "year", "city_code", settings["indicators"], settings["weighting"])
    graded = grading_panel(scores, "year", "city_code", settings)
    indicator_sets = scores[["year", "indicator_set", "indicator_count", "weighting"]].drop_duplicates()
    evaluations = graded["evaluations"].merge(indicator_sets, on="year", validate="1:1")
    # The city marts read the units and the evaluations (the regression is in slope_p).
    return stacked_outputs({"units": graded["units"], "evaluations": evaluations})
