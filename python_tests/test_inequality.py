"""Tests of medres.inequality: published worked examples, hand-derived values, the decomposition
identities, PySAL's `inequality` package as an independent implementation, and scipy.stats for the
grade-validity tests."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from inequality.atkinson import atkinson
from inequality.gini import Gini
from inequality.theil import Theil, TheilD
from scipy import stats

from medres.inequality import (
    agglomeration,
    coefficient_of_variation,
    dispersion,
    gini,
    gini_from_lorenz,
    grade_validity,
    lorenz_curve,
    theil,
    theil_nested,
    theil_terms,
)
from medres.validation import InputError

PROJECT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
RESOURCES = ["institutions", "health_personnel_10k", "beds_10k"]


@pytest.fixture(scope="module")
def provinces() -> pd.DataFrame:
    """2020, 31 provinces: resources, year-end population (10,000, whole numbers) and regions."""
    seeds = PROJECT / "seeds"
    key = ["year", "region_code", "province_zh"]
    frame = pd.read_csv(seeds / "reference" / "ref_provinces.csv")
    for series in ("institutions", "health_personnel", "beds", "population"):
        frame = frame.merge(pd.read_csv(seeds / "nbs" / f"nbs_{series}.csv"), on=key)
    frame = (
        frame.query("year == 2020")
        .sort_values("region_code")
        .reset_index(drop=True)
    )
    assert len(frame) == 31
    return frame


@pytest.fixture(scope="module")
def cities(provinces: pd.DataFrame) -> pd.DataFrame:
    """A synthetic city panel for the nested decomposition: each real province split into 3
    "cities" with fixed (seeded) random shares of its beds and of its population."""
    rng = np.random.default_rng(20200)
    rows = []
    for province in provinces.itertuples():
        bed_split, people_split = rng.dirichlet([2, 2, 2]), rng.dirichlet([2, 2, 2])
        for j in range(3):
            rows.append({
                "city": f"{province.province_en} {j + 1}",
                "province": province.province_en,
                "region_3": province.region_3,
                "region_4": province.region_4,
                "beds": province.beds_10k * bed_split[j],
                "population": province.yearend_population_10k * people_split[j],
            })
    return pd.DataFrame(rows)


def expanded(frame: pd.DataFrame, resource: str, *labels: str) -> tuple[np.ndarray, ...]:
    """Each province's population (in 10,000, a whole number) as that many equal "persons", each
    holding the province's resource per 10,000 people; plus each person's group labels."""
    population = frame["yearend_population_10k"].to_numpy()
    assert np.array_equal(population, population.round())
    counts = population.astype(int)
    per_person = (frame[resource] / frame["yearend_population_10k"]).to_numpy()
    return (np.repeat(per_person, counts), *(np.repeat(frame[c].to_numpy(), counts) for c in labels))


def part(result, index: str, component: str, grouping: str | None = None) -> float:
    rows = result.components.query("index == @index and component == @component")
    if grouping is not None:
        rows = rows[rows["grouping"] == grouping]
    assert len(rows) == 1, rows
    return float(rows["value"].iloc[0])


# --- published worked examples (Gini from cumulative shares) --------------------------------


def test_gini_matches_a_printed_spreadsheet_example_with_lorenz_area():
    # "Gini Coefficient Calculation" (scribd.com/document/523444415), an Excel worked example
    # printing inputs and outputs: 8 individuals, seven earn 5,000 and one 150,000 (total 185,000);
    # cumulative population share 0.125 … 1, cumulative income share 0.027027 … 1; printed
    # "Area Under the Lorenz Curve" (trapezoids) 0.157095 and "Gini Coefficient 0.6858108108".
    frame = pd.DataFrame({"person": range(1, 9), "income": [5000] * 7 + [150000], "n": 1})
    points = lorenz_curve(frame, "person", "income", "n")
    assert points["cumulative_weight_share"].tolist() == pytest.approx(
        [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]
    )
    assert points["cumulative_resource_share"].iloc[1] == pytest.approx(0.027027027, abs=1e-9)
    x, y = points["cumulative_weight_share"], points["cumulative_resource_share"]
    area = float((np.diff(x) * (y.to_numpy()[1:] + y.to_numpy()[:-1]) / 2).sum())
    assert area == pytest.approx(0.157095, abs=5e-7)
    assert gini(frame, "person", "income", "n") == pytest.approx(0.6858108108, abs=1e-10)
    assert gini(frame, "person", "income", "n") == pytest.approx(1 - 93 / 296, abs=1e-15)  # exact


def test_gini_matches_a_second_printed_spreadsheet_example():
    # "GINI" worksheet (docstoc.com/docs/10699438): 20 people with the incomes below, sorted low
    # to high, total 320,000; printed "gini 0.38625", computed there as 2·Σ i·s_i / n − (n+1)/n
    # (s_i the income shares), which equals the trapezoid form for equal-weight units.
    incomes = [1000, 3000, 4000, 5000, 6000, 8000, 8000, 9000, 11000, 12000, 14000, 17000,
               19000, 21000, 23000, 27000, 29000, 32000, 33000, 38000]
    frame = pd.DataFrame({"person": range(1, 21), "income": incomes, "n": 1})
    assert sum(incomes) == 320000
    assert gini(frame, "person", "income", "n") == pytest.approx(0.38625, abs=1e-12)


def test_gini_from_grouped_lorenz_points():
    # Two people with incomes 25 and 75: the Lorenz points (0,0), (0.5,0.25), (1,1) are printed in
    # the simple example of B. Essama-Nssah, "The Lorenz Model of the Size Distribution of Income",
    # World Bank PRMPR, Module 3 (2005); G is derived here (the slides print no G):
    # G = 1 − [0.5·0.25 + 0.5·1.25] = 0.25 = mean difference 50 / (2·mean 50).
    assert gini_from_lorenz([0, 0.5, 1], [0, 0.25, 1]) == pytest.approx(0.25, abs=1e-15)
    frame = pd.DataFrame({"u": ["a", "b"], "income": [75, 25], "n": [1, 1]})
    assert gini(frame, "u", "income", "n") == pytest.approx(0.25, abs=1e-15)
    with pytest.raises(InputError, match=r"\(0, 0\) to \(1, 1\)"):
        gini_from_lorenz([0, 0.5, 0.9], [0, 0.25, 1])


def test_lorenz_curve_sorts_by_resource_per_weight_and_weights_units():
    # Hand check: per-capita 1 (a: 2 of 2), 3 (b: 3 of 1), 0.5 (c: 1 of 2). Sorted c, a, b;
    # weights 2, 2, 1 of 5; resources 1, 2, 3 of 6. G = 1 − [0.4·(1/6) + 0.4·(1/6+1/2) + 0.2·(1/2+1)]
    # = 1 − (0.4/6 + 0.4·4/6 + 0.3) = 1 − 0.6333… = 0.3666…
    frame = pd.DataFrame({"u": ["a", "b", "c"], "r": [2, 3, 1], "w": [2, 1, 2]})
    points = lorenz_curve(frame, "u", "r", "w")
    assert points["u"].tolist()[1:] == ["c", "a", "b"]
    assert points["cumulative_weight_share"].tolist() == pytest.approx([0, 0.4, 0.8, 1])
    assert points["cumulative_resource_share"].tolist() == pytest.approx([0, 1 / 6, 0.5, 1])
    assert points["cumulative_resource_share"].iloc[-1] == 1.0
    assert gini(frame, "u", "r", "w") == pytest.approx(11 / 30, abs=1e-15)
    # Equal per-capita everywhere: G = 0; one unit of many holds everything: G = 1 − 1/n.
    assert gini(frame.assign(r=frame["w"] * 7), "u", "r", "w") == pytest.approx(0, abs=1e-15)
    single = pd.DataFrame({"u": list("abcd"), "r": [0, 0, 0, 5], "w": 1})
    assert gini(single, "u", "r", "w") == pytest.approx(0.75, abs=1e-15)


# --- hand-derived Theil example ----------------------------------------------------------


def test_theil_t_and_l_with_decomposition_on_a_hand_derived_example():
    # No published example printing inputs and the decomposition was found, so this one is derived
    # by hand. Resources 1, 3 | 2, 2 and populations 1, 1 | 2, 2 in groups g1 | g2:
    # y = (1/8, 3/8, 1/4, 1/4), p = (1/6, 1/6, 1/3, 1/3).
    # T = Σ y ln(y/p) = (11/8) ln 3 − 2 ln 2;   between = ½ ln(3/2) + ½ ln(3/4) = ln 3 − (3/2) ln 2;
    #   within = ½ · T_g1, T_g1 = ¼ ln(½) + ¾ ln(3/2), so within = (3/8) ln 3 − ½ ln 2 (T_g2 = 0).
    # L = Σ p ln(p/y) = 2 ln 2 − (7/6) ln 3;   between = ⅓ ln(2/3) + ⅔ ln(4/3) = (5/3) ln 2 − ln 3;
    #   within = ⅓ · L_g1, L_g1 = ½ ln 2 + ½ ln(2/3), so within = ⅓ ln 2 − ⅙ ln 3.
    frame = pd.DataFrame({"u": list("abcd"), "r": [1, 3, 2, 2], "p": [1, 1, 2, 2],
                          "g": ["g1", "g1", "g2", "g2"]})
    result = theil(frame, "u", "r", "p", ["g"])
    ln2, ln3 = math.log(2), math.log(3)
    expected = {
        ("theil_t", "total"): 11 / 8 * ln3 - 2 * ln2,
        ("theil_t", "between"): ln3 - 1.5 * ln2,
        ("theil_t", "within"): 3 / 8 * ln3 - 0.5 * ln2,
        ("theil_l", "total"): 2 * ln2 - 7 / 6 * ln3,
        ("theil_l", "between"): 5 / 3 * ln2 - ln3,
        ("theil_l", "within"): ln2 / 3 - ln3 / 6,
    }
    for (index, component), value in expected.items():
        assert part(result, index, component) == pytest.approx(value, abs=1e-15)
    assert part(result, "theil_t", "total") == pytest.approx(0.1242975, abs=1e-7)
    groups = result.groups.set_index(["index", "group"])
    assert groups.loc[("theil_t", "g1"), "within_index"] == pytest.approx(
        0.25 * math.log(0.5) + 0.75 * math.log(1.5), abs=1e-15
    )
    assert groups.loc[("theil_t", "g2"), "within_index"] == 0
    assert groups.loc[("theil_t", "g1"), "resource_share"] == 0.5
    assert groups.loc[("theil_l", "g1"), "population_share"] == pytest.approx(1 / 3)
    assert groups.loc[("theil_l", "g1"), "within_index"] == pytest.approx(
        0.5 * ln2 + 0.5 * math.log(2 / 3), abs=1e-15
    )
    pct = result.components.set_index(["index", "component"])["contribution_pct"]
    assert pct[("theil_t", "total")] == 100
    assert pct[("theil_t", "between")] + pct[("theil_t", "within")] == pytest.approx(100)
    assert pct[("theil_t", "between")] == pytest.approx(
        100 * (ln3 - 1.5 * ln2) / (11 / 8 * ln3 - 2 * ln2)
    )


def test_theil_unit_terms_on_the_hand_derived_example():
    # The example above: y = (1/8, 3/8, 1/4, 1/4), p = (1/6, 1/6, 1/3, 1/3). Unit terms of T are
    # y ln(y/p): (1/8) ln(3/4), (3/8) ln(9/4), (1/4) ln(3/4), (1/4) ln(3/4); of L, p ln(p/y):
    # (1/6) ln(4/3), (1/6) ln(4/9), (1/3) ln(4/3), (1/3) ln(4/3). Each form's terms add up to it.
    frame = pd.DataFrame({"u": list("abcd"), "r": [1, 3, 2, 2], "p": [1, 1, 2, 2]})
    terms = theil_terms(frame, "u", "r", "p").set_index(["index", "u"])["term"]
    ln = math.log
    expected_t = [ln(3 / 4) / 8, 3 / 8 * ln(9 / 4), ln(3 / 4) / 4, ln(3 / 4) / 4]
    expected_l = [ln(4 / 3) / 6, ln(4 / 9) / 6, ln(4 / 3) / 3, ln(4 / 3) / 3]
    assert terms["theil_t"].tolist() == pytest.approx(expected_t, abs=1e-15)
    assert terms["theil_l"].tolist() == pytest.approx(expected_l, abs=1e-15)
    totals = theil(frame, "u", "r", "p").components.set_index("index")["value"]
    for form in ("theil_t", "theil_l"):
        assert terms[form].sum() == pytest.approx(totals[form], abs=1e-15)
    percent = theil_terms(frame, "u", "r", "p", forms=("theil_t",))["contribution_pct"]
    assert percent.sum() == pytest.approx(100)
    assert (percent < 0).sum() == 3  # three units hold less of the resource than of the people


def test_theil_without_groupings_reports_totals_only():
    frame = pd.DataFrame({"u": list("abcd"), "r": [1, 3, 2, 2], "p": [1, 1, 2, 2]})
    result = theil(frame, "u", "r", "p")
    assert result.components["component"].tolist() == ["total", "total"]
    assert result.components["grouping"].isna().all()
    assert result.groups.empty


def test_theil_t_treats_zero_resource_as_zero_term_and_l_refuses_it():
    frame = pd.DataFrame({"u": list("abcd"), "r": [0, 4, 2, 2], "p": [1, 1, 1, 1],
                          "g": ["g1", "g1", "g2", "g2"]})
    # y = (0, ½, ¼, ¼), p = ¼ each: T = ½ ln 2 + 0 (0·ln 0 = 0).
    result = theil(frame, "u", "r", "p", ["g"], forms=("theil_t",))
    assert part(result, "theil_t", "total") == pytest.approx(0.5 * math.log(2), abs=1e-15)
    assert part(result, "theil_t", "between") + part(result, "theil_t", "within") == (
        pytest.approx(part(result, "theil_t", "total"), abs=1e-15)
    )
    with pytest.raises(InputError, match=r"unit 'a' has zero resource, so Theil L"):
        theil(frame, "u", "r", "p", ["g"])
    # A whole group without resource: no within index, nothing contributed.
    empty_group = frame.assign(r=[0, 0, 2, 6])
    result = theil(empty_group, "u", "r", "p", ["g"], forms=("theil_t",))
    g1 = result.groups.set_index("group").loc["g1"]
    assert np.isnan(g1["within_index"]) and g1["within_contribution"] == 0
    assert g1["between_term"] == 0
    assert part(result, "theil_t", "between") + part(result, "theil_t", "within") == (
        pytest.approx(part(result, "theil_t", "total"), abs=1e-15)
    )


def test_perfect_equality_gives_zero_and_undefined_contributions():
    frame = pd.DataFrame({"u": list("abc"), "r": [2, 4, 6], "p": [1, 2, 3], "g": list("xxy")})
    result = theil(frame, "u", "r", "p", ["g"])
    assert result.components["value"].abs().max() < 1e-15
    assert result.components["contribution_pct"].isna().all()


# --- decomposition identities on the real 2020 data ----------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_decomposition_identity_on_2020_provinces(provinces, resource):
    result = theil(provinces, "province_en", resource, "yearend_population_10k",
                   ["region_3", "region_4"])
    for index in ("theil_t", "theil_l"):
        for grouping in ("region_3", "region_4"):
            total = part(result, index, "total", grouping)
            between = part(result, index, "between", grouping)
            within = part(result, index, "within", grouping)
            assert total > 0 and between > 0 and within > 0
            assert abs(between + within - total) < 1e-12
            groups = result.groups.query("index == @index and grouping == @grouping")
            assert abs(groups["between_term"].sum() - between) < 1e-12
            assert abs(groups["within_contribution"].sum() - within) < 1e-12
            assert groups["resource_share"].sum() == pytest.approx(1, abs=1e-12)
            assert groups["population_share"].sum() == pytest.approx(1, abs=1e-12)
            assert groups["n_units"].sum() == 31
            rows = result.components.query("index == @index and grouping == @grouping")
            assert rows.set_index("component")["contribution_pct"][["between", "within"]].sum() == (
                pytest.approx(100, abs=1e-9)
            )
    assert sorted(result.groups.query("grouping == 'region_3'")["group"].unique()) == [
        "Central", "East", "West"
    ]


def test_beds_2020_values(provinces):
    # Regression values of this implementation on the seeds (2020 beds against year-end
    # population), independently confirmed by PySAL in the tests below.
    result = theil(provinces, "province_en", "beds_10k", "yearend_population_10k", ["region_3"])
    assert part(result, "theil_t", "total") == pytest.approx(0.010743, abs=5e-7)
    assert part(result, "theil_t", "between") == pytest.approx(0.004596, abs=5e-7)
    assert part(result, "theil_l", "total") == pytest.approx(0.011254, abs=5e-7)
    assert gini(provinces, "province_en", "beds_10k", "yearend_population_10k") == (
        pytest.approx(0.080275, abs=5e-7)
    )


def test_nested_decomposition_sums_to_total_and_matches_single_level(cities):
    levels = ["region_3", "province"]
    nested = theil_nested(cities, "city", "beds", "population", levels)
    single = theil(cities, "city", "beds", "population", ["region_3", "province"])
    for index in ("theil_t", "theil_l"):
        rows = nested.components.query("index == @index").set_index("label")["value"]
        assert list(rows.index) == [
            "total", "between region_3", "between province within region_3", "within province"
        ]
        parts = rows.drop("total")
        assert abs(parts.sum() - rows["total"]) < 1e-12
        assert rows["total"] == pytest.approx(part(single, index, "total", "region_3"), abs=1e-14)
        # Level 1 is the single-level between-region part; levels 1 + 2 are the between-province
        # part; the within-province part is the same as in a single-level decomposition.
        assert rows["between region_3"] == pytest.approx(
            part(single, index, "between", "region_3"), abs=1e-14)
        assert rows["between region_3"] + rows["between province within region_3"] == (
            pytest.approx(part(single, index, "between", "province"), abs=1e-14))
        assert rows["within province"] == pytest.approx(
            part(single, index, "within", "province"), abs=1e-14)
        groups = nested.groups.query("index == @index")
        for level, component in (("region_3", "between region_3"),
                                 ("province", "between province within region_3")):
            level_groups = groups[groups["level"] == level]
            assert abs(level_groups["between_term"].sum() - rows[component]) < 1e-12
        provinces_rows = groups[groups["level"] == "province"]
        assert len(provinces_rows) == 31
        assert abs(provinces_rows["within_contribution"].sum() - rows["within province"]) < 1e-12
        assert set(provinces_rows["parent_group"]) == {"East", "Central", "West"}
    pct = nested.components.query("index == 'theil_t' and component != 'total'")
    assert pct["contribution_pct"].sum() == pytest.approx(100, abs=1e-9)


def test_nested_with_one_level_is_the_single_level_decomposition(provinces):
    nested = theil_nested(provinces, "province_en", "beds_10k", "yearend_population_10k",
                          ["region_4"])
    single = theil(provinces, "province_en", "beds_10k", "yearend_population_10k", ["region_4"])
    for index in ("theil_t", "theil_l"):
        for component in ("total", "between", "within"):
            got = nested.components.query("index == @index and component == @component")["value"]
            assert float(got.iloc[0]) == part(single, index, component)


# --- cross-check against PySAL's `inequality` package -----------------------------------
# PySAL treats its n values as n equal units (people): Gini is the mean-difference form
# Σ|x_i − x_j| / (2n²x̄), Theil is T = Σ s_i ln(n s_i) with s_i = x_i / Σx, TheilD splits T into
# bg = Σ_g s_g ln(s_g n / n_g) and wg = T − bg. The mapping to medres, whose units carry weights:
#  * equal weights: medres with population 1 for every province and resource = the per-capita
#    value x_i gives p_i = 1/n, y_i = s_i, so medres T = PySAL T, and the trapezoid Gini with
#    X_k = k/n is algebraically the mean-difference Gini;
#  * population weights: the year-end population is a whole number of 10,000s, so "expanding"
#    each province into that many equal persons holding its resource per 10,000 people gives a
#    141,013-person sample whose PySAL T, bg, wg and Gini equal medres's weighted T, between,
#    within and Gini exactly (Σ over a province's P_i persons of (x_i/X)·ln(N x_i/X) is
#    y_i ln(y_i/p_i); the expanded Lorenz curve is linear between the provinces' points).
#  * Theil L is not in PySAL; the Atkinson index with ε = 1 is A = 1 − geometric mean / mean,
#    and L (mean log deviation) = ln(mean / geometric mean) = −ln(1 − A), on the same samples.


@pytest.mark.parametrize("resource", RESOURCES)
def test_equal_weight_gini_and_theil_match_pysal(provinces, resource):
    per_capita = (provinces[resource] / provinces["yearend_population_10k"]).to_numpy()
    frame = pd.DataFrame({"u": provinces["province_en"], "x": per_capita, "one": 1.0,
                          "region_3": provinces["region_3"]})
    assert gini(frame, "u", "x", "one") == pytest.approx(Gini(per_capita).g, rel=1e-12)
    result = theil(frame, "u", "x", "one", ["region_3"])
    decomposition = TheilD(per_capita, frame["region_3"].to_numpy())
    assert part(result, "theil_t", "total") == pytest.approx(float(Theil(per_capita).T), rel=1e-12)
    assert part(result, "theil_t", "between") == pytest.approx(float(decomposition.bg[0]), rel=1e-12)
    assert part(result, "theil_t", "within") == pytest.approx(float(decomposition.wg[0]), rel=1e-10)
    assert part(result, "theil_l", "total") == pytest.approx(
        -math.log(1 - atkinson(per_capita, 1)), rel=1e-12)
    # The provinces' terms add up to PySAL's indices too.
    terms = theil_terms(frame, "u", "x", "one").groupby("index")["term"].sum()
    assert terms["theil_t"] == pytest.approx(float(Theil(per_capita).T), rel=1e-12)
    assert terms["theil_l"] == pytest.approx(-math.log(1 - atkinson(per_capita, 1)), rel=1e-12)


@pytest.mark.parametrize("resource", RESOURCES)
def test_population_weighted_gini_and_theil_match_pysal_on_expanded_population(
    provinces, resource
):
    persons, region_3, region_4 = expanded(provinces, resource, "region_3", "region_4")
    # 141,013 (10,000 people): the 31 provinces; the national 141,212 also counts the armed forces.
    assert len(persons) == provinces["yearend_population_10k"].sum() == 141013
    args = (provinces, "province_en", resource, "yearend_population_10k")
    assert gini(*args) == pytest.approx(Gini(persons).g, rel=1e-10)
    result = theil(*args, ["region_3", "region_4"])
    assert part(result, "theil_t", "total", "region_3") == pytest.approx(
        float(Theil(persons).T), rel=1e-9)
    for grouping, labels in (("region_3", region_3), ("region_4", region_4)):
        decomposition = TheilD(persons, labels)
        assert part(result, "theil_t", "between", grouping) == pytest.approx(
            float(decomposition.bg[0]), rel=1e-9)
        assert part(result, "theil_t", "within", grouping) == pytest.approx(
            float(decomposition.wg[0]), rel=1e-9)
    assert part(result, "theil_l", "total", "region_3") == pytest.approx(
        -math.log(1 - atkinson(persons, 1)), rel=1e-9)
    # L's between part is L of the sample in which every person holds their region's mean.
    region_mean = pd.Series(persons).groupby(region_3).transform("mean").to_numpy()
    assert part(result, "theil_l", "between", "region_3") == pytest.approx(
        -math.log(1 - atkinson(region_mean, 1)), rel=1e-9)


# --- agglomeration degree ------------------------------------------------------------------


def test_agglomeration_shares_and_degrees():
    # Shares: resource 10/40, 30/40; population 20/50, 30/50; area 80/100, 20/100.
    frame = pd.DataFrame({"u": ["a", "b"], "r": [10, 30], "p": [20, 30], "area": [80, 20]})
    out = agglomeration(frame, "u", "r", "p", "area").set_index("u")
    assert out.loc["a", "resource_share"] == 0.25 and out.loc["b", "area_share"] == 0.2
    assert out.loc["a", "hrad"] == pytest.approx(0.25 / 0.8)
    assert out.loc["b", "hrad"] == pytest.approx(0.75 / 0.2)
    assert out.loc["a", "pad"] == pytest.approx(0.4 / 0.8)
    assert out.loc["b", "pad"] == pytest.approx(0.6 / 0.2)
    assert out.loc["a", "hrad_pad_ratio"] == pytest.approx(0.25 / 0.4)
    assert out.loc["b", "hrad_pad_ratio"] == pytest.approx(0.75 / 0.6)


def test_agglomeration_on_provinces(provinces):
    # No land-area seed exists yet; any positive area column checks the shares and the identity
    # HRAD / PAD = resource share / population share (area cancels).
    frame = provinces.assign(area=np.arange(1, 32) * 1000.0)
    out = agglomeration(frame, "province_en", "beds_10k", "yearend_population_10k", "area")
    for column in ("resource_share", "population_share", "area_share"):
        assert out[column].sum() == pytest.approx(1, abs=1e-12)
    assert np.allclose(out["hrad_pad_ratio"], out["resource_share"] / out["population_share"],
                       rtol=1e-12)
    national = provinces["beds_10k"].sum() / provinces["yearend_population_10k"].sum()
    per_capita = provinces["beds_10k"] / provinces["yearend_population_10k"]
    assert np.allclose(out["hrad_pad_ratio"], per_capita / national, rtol=1e-12)


# --- coefficient of variation ------------------------------------------------------------


def test_coefficient_of_variation_uses_the_sample_sd():
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]  # mean 5, Σ(x − x̄)² = 32
    assert coefficient_of_variation(values) == pytest.approx(math.sqrt(32 / 7) / 5, abs=1e-15)
    # Weighted: x = (1, 3), w = (3, 1): mean 1.5, variance (3·0.25 + 1·2.25)/4 = 0.75.
    assert coefficient_of_variation([1, 3], [3, 1]) == pytest.approx(math.sqrt(0.75) / 1.5)
    assert coefficient_of_variation([1, 3], [1, 1]) == pytest.approx(1 / 2)  # population SD
    with pytest.raises(InputError, match="at least 2"):
        coefficient_of_variation([1.0])
    with pytest.raises(InputError, match="positive mean"):
        coefficient_of_variation([-1.0, 1.0])


def test_dispersion_table(provinces):
    frame = provinces.assign(beds_per_1000=provinces["beds_10k"] * 1000
                             / provinces["yearend_population_10k"])
    table = dispersion(frame, "province_en", ["beds_per_1000"], "yearend_population_10k")
    row = table.iloc[0]
    x = frame["beds_per_1000"]
    assert row["n_units"] == 31
    assert row["cv"] == pytest.approx(stats.variation(x, ddof=1), rel=1e-12)
    national = provinces["beds_10k"].sum() * 1000 / provinces["yearend_population_10k"].sum()
    assert row["weighted_mean"] == pytest.approx(national, rel=1e-12)
    assert row["weighted_cv"] == pytest.approx(
        np.sqrt(np.average((x - national) ** 2, weights=frame["yearend_population_10k"]))
        / national, rel=1e-12)
    assert np.isnan(dispersion(frame, "province_en", ["beds_per_1000"])["weighted_cv"].iloc[0])


# --- grade validity against scipy.stats ----------------------------------------------------


def _check_against_scipy(units: pd.DataFrame, result: pd.Series) -> None:
    samples = [g["rsr"].to_numpy() for _, g in units.groupby("grade", sort=True)]
    f = stats.f_oneway(*samples)
    assert result["anova_f"] == pytest.approx(f.statistic, rel=1e-10)
    assert result["anova_p"] == pytest.approx(f.pvalue, rel=1e-8)
    h = stats.kruskal(*samples)
    assert result["kruskal_h"] == pytest.approx(h.statistic, rel=1e-10)
    assert result["kruskal_p"] == pytest.approx(h.pvalue, rel=1e-8)
    multi = [s for s in samples if len(s) >= 2]
    bf = stats.levene(*multi, center="median")
    assert result["homogeneity_statistic"] == pytest.approx(bf.statistic, rel=1e-10)
    assert result["homogeneity_p"] == pytest.approx(bf.pvalue, rel=1e-8)
    residuals = np.concatenate([s - s.mean() for s in multi])
    if len(residuals) >= 20:
        k2 = stats.normaltest(residuals)
        assert result["normality_statistic"] == pytest.approx(k2.statistic, rel=1e-8)
        assert result["normality_p"] == pytest.approx(k2.pvalue, rel=1e-8)
    else:
        assert np.isnan(result["normality_p"])


def test_grade_validity_study_grades_use_kruskal_wallis():
    # The study's printed RSR (Table 8) with its printed grades (Table 11): grade 5 is Guangdong
    # alone, so variance homogeneity cannot be checked for it and Kruskal–Wallis is reported.
    from test_rsr import TABLE_11_GRADES

    table8 = pd.read_csv(DATA / "rsr_study_table8.csv")
    grade_of = {p: g for g, members in TABLE_11_GRADES.items() for p in members}
    units = pd.DataFrame({"rsr": table8["printed_rsr"],
                          "grade": table8["province"].map(grade_of)})
    assert units["grade"].notna().all()
    result = grade_validity(units).iloc[0]
    assert result["test"] == "kruskal_wallis"
    assert result["n_groups"] == 5 and result["n_units"] == 31
    assert result["single_member_groups"] == 1 and result["min_group_size"] == 1
    assert "single member" in result["reason"]
    assert result["statistic"] == result["kruskal_h"] and result["p_value"] == result["kruskal_p"]
    assert np.isnan(result["df_within"]) and result["df_between"] == 4
    assert result["p_value"] < 0.001  # the grades do differ
    _check_against_scipy(units, result)


def test_grade_validity_chooses_anova_when_assumptions_hold():
    rng = np.random.default_rng(7)
    units = pd.DataFrame({
        "rsr": np.concatenate([rng.normal(m, 0.05, 10) for m in (0.3, 0.5, 0.7)]),
        "grade": np.repeat([3, 2, 1], 10),
    })
    result = grade_validity(units).iloc[0]
    assert result["homogeneity_p"] >= 0.05 and result["normality_p"] >= 0.05
    assert result["test"] == "anova"
    assert result["statistic"] == result["anova_f"] and result["df_within"] == 27
    _check_against_scipy(units, result)


def test_grade_validity_falls_back_to_kruskal_wallis_on_unequal_variances():
    rng = np.random.default_rng(11)
    units = pd.DataFrame({
        "rsr": np.concatenate([rng.normal(0.5, 0.01, 15), rng.normal(0.55, 0.3, 15)]),
        "grade": ["A"] * 15 + ["B"] * 15,
    })
    result = grade_validity(units).iloc[0]
    assert result["homogeneity_p"] < 0.05
    assert result["test"] == "kruskal_wallis" and "variances differ" in result["reason"]
    _check_against_scipy(units, result)


def test_grade_validity_small_sample_cannot_assess_normality():
    units = pd.DataFrame({"rsr": [0.1, 0.2, 0.15, 0.5, 0.6, 0.55, 0.9, 0.8],
                          "grade": [3, 3, 3, 2, 2, 2, 1, 1]})
    result = grade_validity(units).iloc[0]
    assert np.isnan(result["normality_p"]) and result["test"] == "kruskal_wallis"
    _check_against_scipy(units, result)


@pytest.mark.parametrize(
    ("units", "kwargs", "message"),
    [
        (pd.DataFrame({"rsr": [0.1, 0.2], "grade": [1, 1]}), {}, "at least 2 grades"),
        (pd.DataFrame({"rsr": [0.1, 0.2], "grade": [1, 2]}), {}, "more units than grades"),
        (pd.DataFrame({"rsr": [0.1, 0.1, 0.1], "grade": [1, 2, 2]}), {}, "same value"),
        (pd.DataFrame({"rsr": [0.1, None, 0.3], "grade": [1, 2, 2]}), {}, "row 1"),
        (pd.DataFrame({"rsr": [0.1, 0.2, 0.3], "grade": [1, None, 2]}), {}, "missing grade"),
        (pd.DataFrame({"x": [0.1, 0.2, 0.3], "grade": [1, 2, 2]}), {}, r"unknown column"),
        (pd.DataFrame({"rsr": [0.1, 0.2, 0.3], "grade": [1, 2, 2]}), {"alpha": 1.5}, "alpha"),
    ],
)
def test_grade_validity_rejects_bad_input(units, kwargs, message):
    with pytest.raises(InputError, match=message):
        grade_validity(units, **kwargs)


# --- bad input ---------------------------------------------------------------------------

GOOD = pd.DataFrame({"u": ["a", "b", "c"], "r": [1.0, 2.0, 3.0], "p": [1.0, 1.0, 2.0],
                     "area": [1.0, 2.0, 3.0], "g": ["x", "x", "y"], "h": ["X", "X", "Y"]})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: gini(f, "u", "beds", "p"), r"unknown column\(s\) \['beds'\]"),
        (lambda f: gini(f.assign(r=[1, None, 3]), "u", "r", "p"), "missing value for unit 'b'"),
        (lambda f: gini(f.assign(r=[1, "x", 3]), "u", "r", "p"), "non-numeric value 'x' for unit 'b'"),
        (lambda f: gini(f.assign(r=[1, -2, 3]), "u", "r", "p"), "'r': value -2 for unit 'b' must be >= 0"),
        (lambda f: gini(f.assign(p=[1, 0, 3]), "u", "r", "p"), "'p': value 0 for unit 'b' must be > 0"),
        (lambda f: gini(f.assign(r=0.0), "u", "r", "p"), "every unit has 0"),
        (lambda f: gini(f.head(1), "u", "r", "p"), "at least 2 units"),
        (lambda f: theil(f.assign(p=[1, 0, 3]), "u", "r", "p", ["g"]), "unit 'b' must be > 0"),
        (lambda f: theil(f, "u", "r", "p", ["region"]), r"unknown group column\(s\) \['region'\]"),
        (lambda f: theil(f.assign(g=["x", None, "y"]), "u", "r", "p", ["g"]), "unit 'b' has no group"),
        (lambda f: theil(f, "u", "r", "p", "g"), "must be a list of names"),
        (lambda f: theil(f, "u", "r", "p", ["g"], forms=["theil"]), "forms must be"),
        (lambda f: theil_nested(f, "u", "r", "p", []), "at least one level"),
        (lambda f: theil_nested(f.assign(h=["X", "Y", "Y"]), "u", "r", "p", ["h", "g"]),
         "not nested: g group 'x' lies in several h groups"),
        (lambda f: agglomeration(f.assign(area=[1, 0, 2]), "u", "r", "p", "area"),
         "'area': value 0 for unit 'b' must be > 0"),
        (lambda f: dispersion(f, "u", ["r", "r"]), "more than once"),
    ],
)
def test_bad_input_names_column_and_unit(call, message):
    with pytest.raises(InputError, match=message):
        call(GOOD)


def test_group_labels_follow_rows_with_a_non_default_index():
    frame = GOOD.set_index(pd.Index([10, 20, 30]))
    result = theil(frame, "u", "r", "p", ["g"])
    assert result.groups.query("index == 'theil_t'").set_index("group")["n_units"].to_dict() == {
        "x": 2, "y": 1
    }


def test_group_labels_keep_their_type_and_the_top_level_has_no_parent():
    """Integer group codes stay integers (not Python objects or text); the coarsest level's
    parent_group is None, as in the nested decomposition's definition (no parent above level 1)."""
    frame = pd.DataFrame({"u": list("abcd"), "r": [1.0, 2.0, 3.0, 4.0], "p": [1.0, 1.0, 1.0, 1.0],
                          "region": [1, 1, 2, 2], "province": [11, 12, 21, 22]})
    assert theil(frame, "u", "r", "p", ["region"]).groups["group"].dtype == np.int64
    nested = theil_nested(frame, "u", "r", "p", ["region", "province"]).groups
    assert nested["group"].dtype == np.int64
    top = nested[nested["level"] == "region"]
    assert top["parent_group"].tolist() == [None, None, None, None]
    assert nested.loc[nested["level"] == "province", "parent_group"].tolist() == [1, 1, 2, 2] * 2
