"""The city lens (medres.city) on synthetic panels: no build is needed. The report's city section
is tested on a real build in test_report.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medres import inequality
from medres.city import city_inequality_panel
from medres.validation import InputError

SETTINGS = {"resources": ["beds", "doctors"], "population": "population_10k",
            "levels": ["region_3", "province_code"]}


def panel(seed: int = 7, years: tuple[int, ...] = (2019, 2020)) -> pd.DataFrame:
    """Cities in 2 provinces per region, 3-5 cities per province, for each year."""
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for r, region in enumerate(("East", "Central", "West")):
            for p in range(2):
                province = f"{r + 1}{p + 1}0000"
                for c in range(3 + (r + p) % 3):
                    population = float(rng.uniform(50, 900))
                    rows.append({
                        "year": year, "city_code": f"{r + 1}{p + 1}{c + 1:02d}00",
                        "city_zh": f"城市{r}{p}{c}", "province_code": province,
                        "province_zh": f"省{r}{p}", "region_3": region,
                        "beds": population * rng.uniform(20, 80), "doctors": population * rng.uniform(10, 40),
                        "population_10k": population,
                    })
    return pd.DataFrame(rows)


@pytest.mark.parametrize("form", ["theil_t", "theil_l"])
def test_within_terms_sum_to_the_nested_within_part(form):
    frame = panel().query("year == 2020").reset_index(drop=True)
    nested = inequality.theil_nested(frame, "city_code", "beds", "population_10k",
                                     ["region_3", "province_code"], forms=[form])
    parts = nested.components.set_index("component")["value"]
    terms = nested.units
    assert terms["within_term"].sum() == pytest.approx(parts["within"], abs=1e-15)
    # Each term by its formula, computed here with pandas: T y ln((y/Y_g)/(p/P_g)), L the mirror.
    y = frame["beds"] / frame["beds"].sum()
    p = frame["population_10k"] / frame["population_10k"].sum()
    share_y = y / y.groupby(frame["province_code"]).transform("sum")
    share_p = p / p.groupby(frame["province_code"]).transform("sum")
    expected = y * np.log(share_y / share_p) if form == "theil_t" else p * np.log(share_p / share_y)
    assert np.allclose(terms["within_term"], expected, rtol=1e-12, atol=1e-15)
    # Nested identity: total = between region + between province within region + within province.
    assert parts["between"].sum() + parts["within"] == pytest.approx(parts["total"], abs=1e-15)
    # A city's T term is positive exactly when its share of the province's beds exceeds its share
    # of the province's population.
    if form == "theil_t":
        above = terms["group_resource_share"] > terms["group_population_share"]
        assert ((terms["within_term"] > 0) == above).all()


def test_equal_per_capita_within_provinces_has_no_within_part():
    frame = panel().query("year == 2020").reset_index(drop=True)
    frame["beds"] = frame["population_10k"] * frame["province_code"].str[:2].astype(int)
    terms = inequality.theil_nested(frame, "city_code", "beds", "population_10k",
                                    ["region_3", "province_code"]).units
    assert np.allclose(terms["within_term"], 0, atol=1e-15)


def test_panel_leaves_out_cities_without_value_or_population():
    frame = panel()
    frame.loc[0, "beds"] = np.nan          # a missing cell (2019)
    frame.loc[1, "population_10k"] = 0.0  # 三沙-like: printed 0
    inputs = frame[["year", "city_code", "province_code", "region_3", "beds", "doctors",
                    "population_10k"]]
    result = city_inequality_panel(inputs, "year", "city_code", SETTINGS)
    gini = result["gini"].set_index(["year", "resource"])["n_units"]
    per_year = frame.groupby("year").size()
    assert gini[(2019, "beds")] == per_year[2019] - 2
    assert gini[(2019, "doctors")] == per_year[2019] - 1
    assert gini[(2020, "beds")] == per_year[2020]
    units = result["theil_units"]
    assert frame.loc[0, "city_code"] not in set(
        units[(units["year"] == 2019) & (units["resource"] == "beds")]["city_code"])


def test_panel_names_a_missing_setting():
    with pytest.raises(InputError, match="levels"):
        city_inequality_panel(panel(), "year", "city_code",
                               {"resources": ["beds"], "population": "population_10k"})


def test_scored_units_keep_city_years_with_every_indicator():
    from medres.panel import scored_units

    cities = pd.DataFrame({"year": [2020] * 4, "city_code": ["a", "b", "c", "d"],
                           "beds_per_1000": [5.0, None, 7.0, 6.0],
                           "doctors_per_1000": [2.0, 3.0, 4.0, 1.0]})
    indicators = [{"name": "beds_per_1000", "direction": "positive", "weight": 1},
                  {"name": "doctors_per_1000", "direction": "positive", "weight": 1}]
    scores = scored_units(cities, "year", "city_code", indicators, "configured")
    # b has no beds: left out; c is best on both (ranks 3 + 3 of n = 3), a and d share the rest.
    assert scores["city_code"].tolist() == ["a", "c", "d"]
    assert scores["rsr"].tolist() == pytest.approx([(1 + 2) / 6, 1.0, (2 + 1) / 6])
    assert scores["indicator_set"].unique().tolist() == ["beds_per_1000,doctors_per_1000"]
    with pytest.raises(InputError, match=r"unknown indicator column\(s\) \['nurses'\]"):
        scored_units(cities, "year", "city_code", [{"name": "nurses"}], "configured")
