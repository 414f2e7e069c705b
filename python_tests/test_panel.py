import json

import pandas as pd
import pytest

from medres.panel import rsr_panel, settings_from_json
from medres.rsr import evaluate
from medres.validation import InputError

SETTINGS = {
    "indicators": [
        {"name": "a", "direction": "positive", "weight": 1},
        {"name": "b", "direction": "negative", "weight": 3},
    ],
    "weighting": "configured",
    "grades": 3,
    "fit_rows": "all",
    "grade_on": "fitted",
    "alpha": 0.05,
    "force": False,
}


def two_year_panel() -> pd.DataFrame:
    year_one = pd.DataFrame(
        {"unit": list("pqrstu"), "a_value": [1, 2, 3, 4, 5, 6], "b_value": [6, 5, 4, 3, 2, 1]}
    )
    year_two = year_one.assign(a_value=[6, 5, 4, 3, 2, 1], b_value=[1, 2, 3, 4, 5, 6])
    return pd.concat([year_one.assign(year=2020), year_two.assign(year=2021)], ignore_index=True)


def test_each_year_is_evaluated_on_its_own_rows():
    outputs = rsr_panel(two_year_panel(), "year", "unit", SETTINGS)
    units = outputs["units"].set_index(["year", "unit"])
    # Both indicators agree, so the best unit has every top rank: RSR = 1 — u in 2020, p in 2021.
    assert units.loc[(2020, "u"), "rsr"] == 1.0
    assert units.loc[(2021, "p"), "rsr"] == 1.0
    assert units.loc[(2020, "p"), "rsr"] == pytest.approx(1 / 6)
    # Same as calling the package directly on one year, with the configured weights 1:3.
    direct = evaluate(
        two_year_panel().query("year == 2020").rename(columns={"a_value": "a", "b_value": "b"}),
        "unit", positive=["a"], negative=["b"], weights={"a": 1, "b": 3}, grades=3,
    )
    assert units.loc[2020, "wrsr"].tolist() == pytest.approx(direct.units["wrsr"].tolist())
    assert list(outputs["units"].columns[:2]) == ["year", "unit"]


def test_regression_reports_both_fit_variants_and_flags_the_configured_one():
    regression = rsr_panel(two_year_panel(), "year", "unit", SETTINGS)["regression"]
    assert sorted(regression["fit_rows"].unique()) == ["all", "distinct"]
    assert regression.groupby("year")["used_for_grading"].sum().tolist() == [1, 1]
    assert regression.loc[regression["used_for_grading"], "fit_rows"].unique().tolist() == ["all"]


def test_error_names_the_group():
    panel = two_year_panel()
    panel.loc[(panel["year"] == 2021) & (panel["unit"] == "q"), "a_value"] = None
    with pytest.raises(InputError, match=r"year = 2021: column 'a': missing value for unit 'q'"):
        rsr_panel(panel, "year", "unit", SETTINGS)


def test_unknown_weighting_is_rejected():
    with pytest.raises(InputError, match="weighting must be 'configured' or 'entropy'"):
        rsr_panel(two_year_panel(), "year", "unit", {**SETTINGS, "weighting": "pca"})


def test_settings_from_json():
    assert settings_from_json(json.dumps(SETTINGS), "rsr_settings") == SETTINGS
    with pytest.raises(InputError, match="'rsr_settings' is missing"):
        settings_from_json(None, "rsr_settings")
    with pytest.raises(InputError, match="not valid JSON"):
        settings_from_json("{grades: 5", "rsr_settings")
    with pytest.raises(InputError, match="must be a JSON object"):
        settings_from_json("[1, 2]", "rsr_settings")
